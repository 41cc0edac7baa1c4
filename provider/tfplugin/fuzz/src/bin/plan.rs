//! AFL++ entry point of tfplugin's `plan` fuzz target (see tfplugin::fuzzing).

fn main() {
    afl::fuzz!(|data: &[u8]| tfplugin::fuzzing::plan(data));
}
