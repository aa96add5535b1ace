//! The ministry API: the reference server over real HTTP and TLS, the kiosk's client against
//! it, the OpenAPI contract, and scripted faults.

mod client;
mod client_flows;
mod contract;
mod faults;
mod support;
mod tls;
