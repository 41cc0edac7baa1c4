//! AFL++ entry point of tfplugin's `msgpack` fuzz target (see tfplugin::fuzzing).

fn main() {
    afl::fuzz!(|data: &[u8]| tfplugin::fuzzing::msgpack(data));
}
