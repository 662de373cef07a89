//! HTTP/1.1, client and server side.
