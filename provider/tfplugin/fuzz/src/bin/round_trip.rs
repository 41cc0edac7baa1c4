//! AFL++ entry point of tfplugin's `round_trip` fuzz target (see tfplugin::fuzzing).

fn main() {
    afl::fuzz!(|data: &[u8]| tfplugin::fuzzing::round_trip(data));
}
