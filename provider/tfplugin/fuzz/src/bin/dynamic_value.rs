//! AFL++ entry point of tfplugin's `dynamic_value` fuzz target (see tfplugin::fuzzing).

fn main() {
    afl::fuzz!(|data: &[u8]| tfplugin::fuzzing::dynamic_value(data));
}
