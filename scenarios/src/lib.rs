pub mod scenarios_placeholder {}
