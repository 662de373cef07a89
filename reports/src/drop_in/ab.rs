//! ab's output (printer lands with the personality).
