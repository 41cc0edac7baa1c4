//! AFL++ entry point of tfplugin's `json` fuzz target (see tfplugin::fuzzing).

fn main() {
    afl::fuzz!(|data: &[u8]| tfplugin::fuzzing::json(data));
}
