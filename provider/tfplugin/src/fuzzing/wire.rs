//! The DynamicValue decoder, from the protobuf message as it arrives in an RPC.

use prost::Message;

use super::typed;
use crate::convert;
use crate::proto::tfplugin6 as pb;

/// A protobuf `DynamicValue` (msgpack or JSON inside) of an arbitrary type: decoding gives a value
/// or a diagnostic, and a value that was read can be sent back and reads the same.
pub fn dynamic_value(data: &[u8]) {
    let (ty, payload) = typed(data);
    let Ok(dv) = pb::DynamicValue::decode(payload) else {
        return;
    };
    let v = match convert::decode(Some(&dv), &ty) {
        Ok(v) => v,
        Err(diags) => {
            assert!(diags.has_errors(), "a failed decode must say why");
            return;
        }
    };
    let sent = convert::encode(&v, &ty)
        .unwrap_or_else(|d| panic!("decoded {v:?} but cannot send it back: {d:?}"));
    let back = convert::decode(Some(&sent), &ty)
        .unwrap_or_else(|d| panic!("cannot read our own DynamicValue for {v:?}: {d:?}"));
    assert_eq!(back, v, "DynamicValue round trip changed the value");
}
