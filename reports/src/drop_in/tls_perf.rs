//! tls-perf's output (printer lands with the personality).
