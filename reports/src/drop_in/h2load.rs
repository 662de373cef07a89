//! h2load's output (printer lands with the personality).
