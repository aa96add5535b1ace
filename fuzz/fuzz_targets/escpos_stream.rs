#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| manassa_devices::fuzzing::escpos_stream(data));
