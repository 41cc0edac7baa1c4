//! The msgpack encoding of values (Terraform's `DynamicValue.msgpack`).
//!
//! - null is nil; unknown is an extension (written as fixext1 type 0,
//!   `d4 00 00`; any extension reads as unknown);
//! - numbers are ints when integral and within `i64`, float64 when exactly
//!   representable, else decimal strings;
//! - lists, sets and tuples are arrays; maps and objects are str-keyed maps,
//!   objects carrying exactly their type's attributes (written sorted);
//! - a non-null known value where the type is `dynamic` is the array
//!   `[type JSON as bin, value]`.

use std::collections::BTreeMap;

use rmp::Marker;
use rmp::encode as enc;

use super::encode::{
    attributes, check_depth, dynamic_parts, entries, len_u32, mismatch, seq, tuple, unwrap_static,
};
use super::error::CtyError;
use super::number::Number;
use super::path::Path;
use super::types::{ObjectType, Type, type_from_json_bytes_at};
use super::value::Value;

/// The bytes written for an unknown value: fixext1, type 0, payload 0.
const UNKNOWN: [u8; 3] = [0xd4, 0x00, 0x00];

/// Encodes `v` as msgpack according to `ty`.
pub fn to_msgpack(v: &Value, ty: &Type) -> Result<Vec<u8>, CtyError> {
    let mut out = Vec::new();
    encode(&mut out, v, ty, &Path::root(), 0)?;
    Ok(out)
}

/// Decodes msgpack bytes holding a value of type `ty`.
pub fn from_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, CtyError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let root = Path::root();
    let v = decode(&mut r, ty, &root, 0)?;
    let rest = bytes.len() - r.pos;
    if rest > 0 {
        return Err(CtyError::Msgpack {
            path: root,
            expected: "end of input".into(),
            found: format!("{rest} trailing bytes"),
        });
    }
    Ok(v)
}

// ---------------------------------------------------------------- encoding

/// Writing into a `Vec` cannot fail; this keeps the signatures honest.
fn wrote<T, E: std::fmt::Display>(r: Result<T, E>, path: &Path) -> Result<(), CtyError> {
    r.map(|_| ()).map_err(|e| CtyError::Msgpack {
        path: path.clone(),
        expected: "a writable buffer".into(),
        found: e.to_string(),
    })
}

fn encode(
    out: &mut Vec<u8>,
    v: &Value,
    ty: &Type,
    path: &Path,
    depth: usize,
) -> Result<(), CtyError> {
    check_depth(depth, path)?;
    if *ty == Type::Dynamic {
        return match v {
            Value::Unknown => {
                out.extend_from_slice(&UNKNOWN);
                Ok(())
            }
            Value::Null => wrote(enc::write_nil(out), path),
            other => encode_dynamic(out, other, path, depth),
        };
    }
    let v = unwrap_static(v, ty, path)?;
    match (ty, v) {
        (_, Value::Unknown) => {
            out.extend_from_slice(&UNKNOWN);
            Ok(())
        }
        (_, Value::Null) => wrote(enc::write_nil(out), path),
        (Type::String, Value::String(s)) => wrote(enc::write_str(out, s), path),
        (Type::Number, Value::Number(n)) => encode_number(out, n, path),
        (Type::Bool, Value::Bool(b)) => wrote(enc::write_bool(out, *b), path),
        (Type::List(e) | Type::Set(e), _) => encode_seq(out, v, ty, e, path, depth),
        (Type::Tuple(ts), _) => encode_tuple(out, v, ty, ts, path, depth),
        (Type::Map(e), _) => encode_map(out, v, ty, e, path, depth),
        (Type::Object(ot), _) => encode_object(out, v, ty, ot, path, depth),
        _ => Err(mismatch(path, ty, v)),
    }
}

// The helpers below are kept out of `encode` so that its stack frame, which
// every nesting level pays for, stays small.

#[inline(never)]
fn encode_dynamic(out: &mut Vec<u8>, v: &Value, path: &Path, depth: usize) -> Result<(), CtyError> {
    let (t, inner) = dynamic_parts(v, path)?;
    wrote(enc::write_array_len(out, 2), path)?;
    wrote(enc::write_bin(out, &t.to_json_bytes()), path)?;
    encode(out, inner, &t, path, depth + 1)
}

#[inline(never)]
fn encode_seq(
    out: &mut Vec<u8>,
    v: &Value,
    ty: &Type,
    elem: &Type,
    path: &Path,
    depth: usize,
) -> Result<(), CtyError> {
    let xs = seq(v, ty, path)?;
    wrote(enc::write_array_len(out, len_u32(xs.len(), path)?), path)?;
    for (i, x) in xs.iter().enumerate() {
        encode(out, x, elem, &path.index(i as i64), depth + 1)?;
    }
    Ok(())
}

#[inline(never)]
fn encode_tuple(
    out: &mut Vec<u8>,
    v: &Value,
    ty: &Type,
    elems: &[Type],
    path: &Path,
    depth: usize,
) -> Result<(), CtyError> {
    let xs = tuple(v, ty, elems, path)?;
    wrote(enc::write_array_len(out, len_u32(xs.len(), path)?), path)?;
    for (i, (x, t)) in xs.iter().zip(elems).enumerate() {
        encode(out, x, t, &path.index(i as i64), depth + 1)?;
    }
    Ok(())
}

#[inline(never)]
fn encode_map(
    out: &mut Vec<u8>,
    v: &Value,
    ty: &Type,
    elem: &Type,
    path: &Path,
    depth: usize,
) -> Result<(), CtyError> {
    let m = entries(v, ty, path)?;
    wrote(enc::write_map_len(out, len_u32(m.len(), path)?), path)?;
    for (k, x) in m {
        let p = path.key(k);
        wrote(enc::write_str(out, k), &p)?;
        encode(out, x, elem, &p, depth + 1)?;
    }
    Ok(())
}

#[inline(never)]
fn encode_object(
    out: &mut Vec<u8>,
    v: &Value,
    ty: &Type,
    ot: &ObjectType,
    path: &Path,
    depth: usize,
) -> Result<(), CtyError> {
    let attrs = attributes(v, ty, ot, path)?;
    wrote(enc::write_map_len(out, len_u32(attrs.len(), path)?), path)?;
    for (name, aty, x) in attrs {
        let p = path.attr(name);
        wrote(enc::write_str(out, name), &p)?;
        encode(out, x, aty, &p, depth + 1)?;
    }
    Ok(())
}

#[inline(never)]
fn encode_number(out: &mut Vec<u8>, n: &Number, path: &Path) -> Result<(), CtyError> {
    if let Some(i) = n.as_i64() {
        wrote(enc::write_sint(out, i), path)
    } else if let Some(f) = n.to_exact_f64() {
        wrote(enc::write_f64(out, f), path)
    } else {
        wrote(enc::write_str(out, &n.to_string()), path)
    }
}

// ---------------------------------------------------------------- decoding

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn marker_kind(m: Marker) -> &'static str {
    match m {
        Marker::Null => "nil",
        Marker::True | Marker::False => "bool",
        Marker::FixPos(_)
        | Marker::FixNeg(_)
        | Marker::U8
        | Marker::U16
        | Marker::U32
        | Marker::U64
        | Marker::I8
        | Marker::I16
        | Marker::I32
        | Marker::I64 => "integer",
        Marker::F32 | Marker::F64 => "float",
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => "string",
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => "binary",
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => "array",
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => "map",
        Marker::FixExt1
        | Marker::FixExt2
        | Marker::FixExt4
        | Marker::FixExt8
        | Marker::FixExt16
        | Marker::Ext8
        | Marker::Ext16
        | Marker::Ext32 => "extension",
        Marker::Reserved => "reserved byte 0xc1",
    }
}

fn is_ext(m: Marker) -> bool {
    matches!(
        m,
        Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32
    )
}

fn wrong(path: &Path, expected: &str, m: Marker) -> CtyError {
    CtyError::TypeMismatch {
        path: path.clone(),
        expected: expected.to_owned(),
        found: format!("msgpack {}", marker_kind(m)),
    }
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn truncated(&self, path: &Path, wanted: usize) -> CtyError {
        CtyError::Msgpack {
            path: path.clone(),
            expected: format!("{wanted} more bytes"),
            found: format!("end of input after {} bytes", self.buf.len()),
        }
    }

    fn peek(&self, path: &Path) -> Result<Marker, CtyError> {
        match self.buf.get(self.pos) {
            Some(b) => Ok(Marker::from_u8(*b)),
            None => Err(self.truncated(path, 1)),
        }
    }

    fn marker(&mut self, path: &Path) -> Result<Marker, CtyError> {
        let m = self.peek(path)?;
        self.pos += 1;
        Ok(m)
    }

    fn take(&mut self, n: usize, path: &Path) -> Result<&'a [u8], CtyError> {
        if n > self.remaining() {
            return Err(self.truncated(path, n));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, path: &Path) -> Result<[u8; N], CtyError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, path)?);
        Ok(a)
    }

    fn u8(&mut self, path: &Path) -> Result<u8, CtyError> {
        Ok(self.array::<1>(path)?[0])
    }

    fn u16(&mut self, path: &Path) -> Result<u16, CtyError> {
        Ok(u16::from_be_bytes(self.array(path)?))
    }

    fn u32(&mut self, path: &Path) -> Result<u32, CtyError> {
        Ok(u32::from_be_bytes(self.array(path)?))
    }

    fn u64(&mut self, path: &Path) -> Result<u64, CtyError> {
        Ok(u64::from_be_bytes(self.array(path)?))
    }

    /// The length of a str or bin, whose marker was just read.
    fn data_len(&mut self, m: Marker, path: &Path) -> Result<Option<usize>, CtyError> {
        Ok(Some(match m {
            Marker::FixStr(n) => usize::from(n),
            Marker::Str8 | Marker::Bin8 => usize::from(self.u8(path)?),
            Marker::Str16 | Marker::Bin16 => usize::from(self.u16(path)?),
            Marker::Str32 | Marker::Bin32 => self.u32(path)? as usize,
            _ => return Ok(None),
        }))
    }

    /// A str (or, tolerated, a bin) holding UTF-8 text.
    fn string(&mut self, path: &Path, expected: &str) -> Result<String, CtyError> {
        let m = self.marker(path)?;
        self.text(m, path, expected)
    }

    /// The text of a str (or bin) whose marker `m` was just read.
    fn text(&mut self, m: Marker, path: &Path, expected: &str) -> Result<String, CtyError> {
        let Some(len) = self.data_len(m, path)? else {
            return Err(wrong(path, expected, m));
        };
        let bytes = self.take(len, path)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(CtyError::Msgpack {
                path: path.clone(),
                expected: "UTF-8 text".into(),
                found: format!("invalid UTF-8 ({e})"),
            }),
        }
    }

    /// The raw bytes of a bin (or str).
    fn bytes(&mut self, path: &Path, expected: &str) -> Result<&'a [u8], CtyError> {
        let m = self.marker(path)?;
        match self.data_len(m, path)? {
            Some(len) => self.take(len, path),
            None => Err(wrong(path, expected, m)),
        }
    }

    fn array_len(&mut self, path: &Path, expected: &str) -> Result<usize, CtyError> {
        match self.marker(path)? {
            Marker::FixArray(n) => Ok(usize::from(n)),
            Marker::Array16 => Ok(usize::from(self.u16(path)?)),
            Marker::Array32 => Ok(self.u32(path)? as usize),
            m => Err(wrong(path, expected, m)),
        }
    }

    fn map_len(&mut self, path: &Path, expected: &str) -> Result<usize, CtyError> {
        match self.marker(path)? {
            Marker::FixMap(n) => Ok(usize::from(n)),
            Marker::Map16 => Ok(usize::from(self.u16(path)?)),
            Marker::Map32 => Ok(self.u32(path)? as usize),
            m => Err(wrong(path, expected, m)),
        }
    }

    /// Skips an extension of any type and length.
    fn skip_ext(&mut self, path: &Path) -> Result<(), CtyError> {
        let m = self.marker(path)?;
        let len = match m {
            Marker::FixExt1 => 1,
            Marker::FixExt2 => 2,
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            Marker::FixExt16 => 16,
            Marker::Ext8 => usize::from(self.u8(path)?),
            Marker::Ext16 => usize::from(self.u16(path)?),
            Marker::Ext32 => self.u32(path)? as usize,
            m => return Err(wrong(path, "extension", m)),
        };
        // The extension type byte, then the payload.
        self.take(1 + len, path).map(|_| ())
    }

    /// Room to reserve for `n` announced elements: never more than the
    /// input could hold, so hostile lengths cannot force huge allocations.
    fn capacity(&self, n: usize) -> usize {
        n.min(self.remaining())
    }
}

fn decode(r: &mut Reader<'_>, ty: &Type, path: &Path, depth: usize) -> Result<Value, CtyError> {
    check_depth(depth, path)?;
    let m = r.peek(path)?;
    if is_ext(m) {
        r.skip_ext(path)?;
        return Ok(Value::Unknown);
    }
    if m == Marker::Null {
        r.pos += 1;
        return Ok(Value::Null);
    }
    match ty {
        Type::Dynamic => decode_dynamic(r, path, depth),
        Type::String => r.string(path, "string").map(Value::String),
        Type::Number => decode_number(r, path).map(Value::Number),
        Type::Bool => match r.marker(path)? {
            Marker::True => Ok(Value::Bool(true)),
            Marker::False => Ok(Value::Bool(false)),
            m => Err(wrong(path, "bool", m)),
        },
        Type::List(e) => decode_seq(r, ty, e, path, depth).map(Value::List),
        Type::Set(e) => decode_seq(r, ty, e, path, depth).map(Value::Set),
        Type::Tuple(ts) => decode_tuple(r, ty, ts, path, depth),
        Type::Map(e) => decode_map(r, ty, e, path, depth),
        Type::Object(ot) => decode_object(r, ot, path, depth),
    }
}

// The helpers below are kept out of `decode` so that its stack frame, which
// every nesting level pays for, stays small.

#[inline(never)]
fn decode_dynamic(r: &mut Reader<'_>, path: &Path, depth: usize) -> Result<Value, CtyError> {
    const EXPECTED: &str = "a [type, value] array for a dynamic value";
    let n = r.array_len(path, EXPECTED)?;
    if n != 2 {
        return Err(CtyError::Msgpack {
            path: path.clone(),
            expected: EXPECTED.into(),
            found: format!("an array of {n} elements"),
        });
    }
    let type_json = r.bytes(path, "the JSON type of a dynamic value as bin")?;
    let t = type_from_json_bytes_at(type_json, path)?;
    let v = decode(r, &t, path, depth + 1)?;
    Ok(Value::Dynamic(Box::new((t, v))))
}

#[inline(never)]
fn decode_seq(
    r: &mut Reader<'_>,
    ty: &Type,
    elem: &Type,
    path: &Path,
    depth: usize,
) -> Result<Vec<Value>, CtyError> {
    let n = r.array_len(path, &format!("array for {ty}"))?;
    let mut xs = Vec::with_capacity(r.capacity(n));
    for i in 0..n {
        xs.push(decode(r, elem, &path.index(i as i64), depth + 1)?);
    }
    Ok(xs)
}

#[inline(never)]
fn decode_tuple(
    r: &mut Reader<'_>,
    ty: &Type,
    elems: &[Type],
    path: &Path,
    depth: usize,
) -> Result<Value, CtyError> {
    let n = r.array_len(path, &format!("array for {ty}"))?;
    if n != elems.len() {
        return Err(CtyError::TupleLength {
            path: path.clone(),
            expected: elems.len(),
            found: n,
        });
    }
    let mut xs = Vec::with_capacity(n);
    for (i, t) in elems.iter().enumerate() {
        xs.push(decode(r, t, &path.index(i as i64), depth + 1)?);
    }
    Ok(Value::Tuple(xs))
}

#[inline(never)]
fn decode_map(
    r: &mut Reader<'_>,
    ty: &Type,
    elem: &Type,
    path: &Path,
    depth: usize,
) -> Result<Value, CtyError> {
    let n = r.map_len(path, &format!("map for {ty}"))?;
    let mut m = BTreeMap::new();
    for _ in 0..n {
        let k = r.string(path, "string map key")?;
        let v = decode(r, elem, &path.key(&k), depth + 1)?;
        if m.contains_key(&k) {
            return Err(CtyError::DuplicateKey {
                path: path.clone(),
                key: k,
            });
        }
        m.insert(k, v);
    }
    Ok(Value::Map(m))
}

#[inline(never)]
fn decode_object(
    r: &mut Reader<'_>,
    ot: &ObjectType,
    path: &Path,
    depth: usize,
) -> Result<Value, CtyError> {
    let n = r.map_len(path, "map for object")?;
    let mut m = BTreeMap::new();
    for _ in 0..n {
        let k = r.string(path, "string attribute name")?;
        let Some(aty) = ot.attrs.get(&k) else {
            return Err(CtyError::UnexpectedAttribute {
                path: path.clone(),
                name: k,
            });
        };
        let v = decode(r, aty, &path.attr(&k), depth + 1)?;
        if m.contains_key(&k) {
            return Err(CtyError::DuplicateKey {
                path: path.clone(),
                key: k,
            });
        }
        m.insert(k, v);
    }
    if let Some(missing) = ot.attrs.keys().find(|k| !m.contains_key(*k)) {
        return Err(CtyError::MissingAttribute {
            path: path.clone(),
            name: missing.clone(),
        });
    }
    Ok(Value::Object(m))
}

#[inline(never)]
fn decode_number(r: &mut Reader<'_>, path: &Path) -> Result<Number, CtyError> {
    let float = |f: f64| {
        Number::from_f64(f).ok_or_else(|| CtyError::InvalidNumber {
            path: path.clone(),
            found: format!("float {f}"),
        })
    };
    let m = r.marker(path)?;
    Ok(match m {
        Marker::FixPos(n) => Number::from_i64(i64::from(n)),
        Marker::FixNeg(n) => Number::from_i64(i64::from(n)),
        Marker::U8 => Number::from_u64(u64::from(r.u8(path)?)),
        Marker::U16 => Number::from_u64(u64::from(r.u16(path)?)),
        Marker::U32 => Number::from_u64(u64::from(r.u32(path)?)),
        Marker::U64 => Number::from_u64(r.u64(path)?),
        Marker::I8 => Number::from_i64(i64::from(i8::from_be_bytes(r.array(path)?))),
        Marker::I16 => Number::from_i64(i64::from(i16::from_be_bytes(r.array(path)?))),
        Marker::I32 => Number::from_i64(i64::from(i32::from_be_bytes(r.array(path)?))),
        Marker::I64 => Number::from_i64(i64::from_be_bytes(r.array(path)?)),
        Marker::F32 => float(f64::from(f32::from_be_bytes(r.array(path)?)))?,
        Marker::F64 => float(f64::from_be_bytes(r.array(path)?))?,
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => {
            let s = r.text(m, path, "number")?;
            Number::parse(&s).ok_or(CtyError::InvalidNumber {
                path: path.clone(),
                found: format!("string {s:?}"),
            })?
        }
        m => return Err(wrong(path, "number", m)),
    })
}

#[cfg(test)]
mod tests {
    use super::super::encode::MAX_DEPTH;
    use super::*;

    fn num(s: &str) -> Value {
        Value::Number(Number::parse(s).unwrap_or_else(|| panic!("number {s}")))
    }

    fn enc_ok(v: &Value, ty: &Type) -> Vec<u8> {
        to_msgpack(v, ty).unwrap_or_else(|e| panic!("encode {v:?}: {e}"))
    }

    fn dec_ok(bytes: &[u8], ty: &Type) -> Value {
        from_msgpack(bytes, ty).unwrap_or_else(|e| panic!("decode {bytes:02x?}: {e}"))
    }

    /// Encodes to exactly `bytes`, and decodes `bytes` back to `v`.
    fn both_ways(v: &Value, ty: &Type, bytes: &[u8]) {
        assert_eq!(enc_ok(v, ty), bytes, "encoding {v:?}");
        assert_eq!(dec_ok(bytes, ty), *v, "decoding {bytes:02x?}");
    }

    #[test]
    fn primitives() {
        both_ways(&Value::string("hi"), &Type::String, &[0xa2, b'h', b'i']);
        both_ways(&Value::Bool(true), &Type::Bool, &[0xc3]);
        both_ways(&Value::Bool(false), &Type::Bool, &[0xc2]);
        both_ways(&Value::Null, &Type::String, &[0xc0]);
        both_ways(&Value::Null, &Type::list(Type::Number), &[0xc0]);
    }

    #[test]
    fn unknown_is_fixext1_type0() {
        for ty in [
            Type::String,
            Type::Number,
            Type::list(Type::Bool),
            Type::Dynamic,
        ] {
            both_ways(&Value::Unknown, &ty, &[0xd4, 0x00, 0x00]);
        }
    }

    #[test]
    fn any_extension_decodes_as_unknown() {
        // Refined unknown: ext8, type 12, map payload {1: true}.
        let refined = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3];
        assert_eq!(dec_ok(&refined, &Type::String), Value::Unknown);
        assert_eq!(dec_ok(&refined, &Type::Dynamic), Value::Unknown);
        // Refined unknown with a longer payload, ext16.
        let mut long = vec![0xc8, 0x01, 0x00, 0x0c, 0xde, 0x00, 0x00];
        long.resize(4 + 256, 0xc0);
        long[4] = 0x80; // empty fixmap, then padding bytes of the payload
        assert_eq!(dec_ok(&long, &Type::Number), Value::Unknown);
        // Every fixext size and ext32.
        for bytes in [
            vec![0xd4, 0x05, 0x01],
            vec![0xd5, 0x0c, 0x80, 0x00],
            vec![0xd6, 0x0c, 0, 0, 0, 0],
            vec![0xd7, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0],
            [vec![0xd8, 0x0c], vec![0; 16]].concat(),
            vec![0xc9, 0, 0, 0, 1, 0x0c, 0x80],
        ] {
            assert_eq!(dec_ok(&bytes, &Type::Bool), Value::Unknown, "{bytes:02x?}");
        }
        // Unknown inside a list.
        assert_eq!(
            dec_ok(
                &[0x92, 0x01, 0xc7, 0x01, 0x0c, 0x80],
                &Type::list(Type::Number)
            ),
            Value::List(vec![Value::int(1), Value::Unknown])
        );
        // A truncated extension is an error.
        assert!(from_msgpack(&[0xc7, 0x05, 0x0c, 0x80], &Type::String).is_err());
    }

    #[test]
    fn object_carries_every_attribute_sorted() {
        let ty = Type::object([("b", Type::Number), ("a", Type::String)]);
        let v = Value::object([("a", Value::string("x")), ("b", Value::Null)]);
        both_ways(&v, &ty, &[0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0]);
        // Any attribute order on input.
        let reordered = [0x82, 0xa1, b'b', 0xc0, 0xa1, b'a', 0xa1, b'x'];
        assert_eq!(dec_ok(&reordered, &ty), v);
    }

    #[test]
    fn object_attribute_set_must_match_exactly() {
        let ty = Type::object([("a", Type::String), ("b", Type::Number)]);
        // Missing "b".
        let err = from_msgpack(&[0x81, 0xa1, b'a', 0xc0], &ty);
        assert!(matches!(err, Err(CtyError::MissingAttribute { ref name, .. }) if name == "b"));
        // Extra "c".
        let err = from_msgpack(
            &[0x83, 0xa1, b'a', 0xc0, 0xa1, b'b', 0xc0, 0xa1, b'c', 0xc0],
            &ty,
        );
        assert!(matches!(err, Err(CtyError::UnexpectedAttribute { ref name, .. }) if name == "c"));
        // Duplicate "a".
        let err = from_msgpack(&[0x82, 0xa1, b'a', 0xc0, 0xa1, b'a', 0xc0], &ty);
        assert!(matches!(err, Err(CtyError::DuplicateKey { .. })));
        // Encoding checks too.
        let err = to_msgpack(&Value::object([("a", Value::Null)]), &ty);
        assert!(matches!(err, Err(CtyError::MissingAttribute { .. })));
        let full = Value::object([("a", Value::Null), ("b", Value::Null), ("z", Value::Null)]);
        assert!(matches!(
            to_msgpack(&full, &ty),
            Err(CtyError::UnexpectedAttribute { .. })
        ));
        // conform() fixes the missing case.
        let fixed = Value::object([("a", Value::string("x"))]).conform(&ty);
        assert_eq!(
            enc_ok(&fixed, &ty),
            [0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0]
        );
    }

    #[test]
    fn empty_object_type() {
        both_ways(
            &Value::object(Vec::<(String, Value)>::new()),
            &Type::object(Vec::<(String, Type)>::new()),
            &[0x80],
        );
    }

    #[test]
    fn collections() {
        let list = Value::List(vec![Value::int(1), Value::int(2)]);
        both_ways(&list, &Type::list(Type::Number), &[0x92, 0x01, 0x02]);
        let tuple = Value::Tuple(vec![Value::string("a"), Value::Bool(true)]);
        both_ways(
            &tuple,
            &Type::Tuple(vec![Type::String, Type::Bool]),
            &[0x92, 0xa1, b'a', 0xc3],
        );
        let map = Value::Map(BTreeMap::from([
            ("b".to_owned(), Value::int(1)),
            ("a".to_owned(), Value::int(2)),
        ]));
        both_ways(
            &map,
            &Type::map(Type::Number),
            &[0x82, 0xa1, b'a', 0x02, 0xa1, b'b', 0x01],
        );
        // Array16 and map16 headers decode too.
        assert_eq!(
            dec_ok(&[0xdc, 0x00, 0x01, 0x05], &Type::list(Type::Number)),
            Value::List(vec![Value::int(5)])
        );
        assert_eq!(
            dec_ok(
                &[0xde, 0x00, 0x01, 0xa1, b'k', 0x05],
                &Type::map(Type::Number)
            ),
            Value::Map(BTreeMap::from([("k".to_owned(), Value::int(5))]))
        );
    }

    #[test]
    fn sets_compare_ignoring_order() {
        let ty = Type::set(Type::String);
        let decoded = dec_ok(&[0x92, 0xa1, b'b', 0xa1, b'a'], &ty);
        assert_eq!(
            decoded,
            Value::Set(vec![Value::string("a"), Value::string("b")])
        );
    }

    #[test]
    fn numbers_int_float_or_string() {
        let ty = Type::Number;
        both_ways(&Value::int(1), &ty, &[0x01]);
        both_ways(&Value::int(-1), &ty, &[0xff]);
        both_ways(&Value::int(300), &ty, &[0xcd, 0x01, 0x2c]);
        both_ways(&Value::int(-200), &ty, &[0xd1, 0xff, 0x38]);
        both_ways(
            &Value::int(i64::MIN),
            &ty,
            &[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0],
        );
        both_ways(&num("1.5"), &ty, &[0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]);
        // 2^63 does not fit i64 but is an exact double.
        both_ways(
            &num("9223372036854775808"),
            &ty,
            &[0xcb, 0x43, 0xe0, 0, 0, 0, 0, 0, 0],
        );
        // 0.1 has no exact double: a decimal string.
        both_ways(&num("0.1"), &ty, &[0xa3, b'0', b'.', b'1']);
        let mut big = vec![0xb4];
        big.extend_from_slice(b"18446744073709551615");
        both_ways(&Value::Number(Number::from_u64(u64::MAX)), &ty, &big);
        let mut huge = vec![0xa6];
        huge.extend_from_slice(b"1e+400");
        both_ways(&num("1e400"), &ty, &huge);
    }

    #[test]
    fn numbers_decode_from_every_width() {
        let ty = Type::Number;
        for (bytes, want) in [
            (vec![0x7f], "127"),
            (vec![0xe0], "-32"),
            (vec![0xcc, 0xff], "255"),
            (vec![0xcd, 0xff, 0xff], "65535"),
            (vec![0xce, 0xff, 0xff, 0xff, 0xff], "4294967295"),
            (
                vec![0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                "18446744073709551615",
            ),
            (vec![0xd0, 0x80], "-128"),
            (vec![0xd1, 0x80, 0x00], "-32768"),
            (vec![0xd2, 0x80, 0, 0, 0], "-2147483648"),
            (
                vec![0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe],
                "-2",
            ),
            (vec![0xca, 0x3f, 0xc0, 0, 0], "1.5"),
            (vec![0xcb, 0xc0, 0x04, 0, 0, 0, 0, 0, 0], "-2.5"),
            (vec![0xa4, b'1', b'e', b'-', b'3'], "0.001"),
            (vec![0xa3, b'4', b'.', b'0'], "4"),
        ] {
            assert_eq!(dec_ok(&bytes, &ty), num(want), "{bytes:02x?}");
        }
        // Floats decode exactly and re-encode as the same double.
        let bytes = [0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a];
        let v = dec_ok(&bytes, &ty);
        assert_eq!(v.as_number().map(Number::as_f64), Some(0.1));
        assert_eq!(enc_ok(&v, &ty), bytes);
        // Non-finite floats and malformed strings are errors.
        for bad in [
            vec![0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0],
            vec![0xca, 0x7f, 0xc0, 0, 0],
            vec![0xa3, b'a', b'b', b'c'],
        ] {
            assert!(matches!(
                from_msgpack(&bad, &ty),
                Err(CtyError::InvalidNumber { .. })
            ));
        }
    }

    #[test]
    fn dynamic_is_type_json_then_value() {
        let v = Value::Dynamic(Box::new((Type::String, Value::string("hi"))));
        let mut bytes = vec![0x92, 0xc4, 0x08];
        bytes.extend_from_slice(b"\"string\"");
        bytes.extend_from_slice(&[0xa2, b'h', b'i']);
        both_ways(&v, &Type::Dynamic, &bytes);
        // The type may also arrive as str.
        bytes[1] = 0xa8;
        bytes.remove(2);
        assert_eq!(dec_ok(&bytes, &Type::Dynamic), v);
        // Null and unknown of dynamic type are bare.
        both_ways(&Value::Null, &Type::Dynamic, &[0xc0]);
        both_ways(&Value::Unknown, &Type::Dynamic, &[0xd4, 0, 0]);
        // A typed null or unknown is wrapped.
        let typed_null = Value::Dynamic(Box::new((Type::list(Type::Bool), Value::Null)));
        let mut bytes = vec![0x92, 0xc4, 0x0f];
        bytes.extend_from_slice(b"[\"list\",\"bool\"]");
        bytes.push(0xc0);
        both_ways(&typed_null, &Type::Dynamic, &bytes);
        let typed_unknown = Value::Dynamic(Box::new((Type::Number, Value::Unknown)));
        let mut bytes = vec![0x92, 0xc4, 0x08];
        bytes.extend_from_slice(b"\"number\"");
        bytes.extend_from_slice(&[0xd4, 0, 0]);
        both_ways(&typed_unknown, &Type::Dynamic, &bytes);
    }

    #[test]
    fn plain_values_in_dynamic_slots_imply_their_type() {
        let bytes = enc_ok(&Value::int(7), &Type::Dynamic);
        let mut want = vec![0x92, 0xc4, 0x08];
        want.extend_from_slice(b"\"number\"");
        want.push(0x07);
        assert_eq!(bytes, want);
        assert_eq!(
            dec_ok(&bytes, &Type::Dynamic),
            Value::Dynamic(Box::new((Type::Number, Value::int(7))))
        );
        // An empty list has no implied element type.
        assert!(matches!(
            to_msgpack(&Value::List(vec![]), &Type::Dynamic),
            Err(CtyError::TypeMismatch { .. })
        ));
        // A wrapper whose type matches a static slot is transparent.
        let wrapped = Value::Dynamic(Box::new((Type::String, Value::string("s"))));
        assert_eq!(enc_ok(&wrapped, &Type::String), [0xa1, b's']);
        assert!(to_msgpack(&wrapped, &Type::Number).is_err());
    }

    #[test]
    fn malformed_dynamic_values() {
        for bytes in [
            vec![0x91, 0xa1, b'x'],                                     // one element
            vec![0x92, 0x01, 0x01],                                     // type not bin/str
            vec![0x92, 0xc4, 0x01, b'x', 0x01],                         // type not JSON
            vec![0x92, 0xa6, b'"', b'n', b'o', b'p', b'e', b'"', 0x01], // unknown type
            vec![
                0x92, 0xa8, b'"', b's', b't', b'r', b'i', b'n', b'g', b'"', 0x01,
            ], // value mismatch
            vec![0xa1, b'x'],                                           // not an array
        ] {
            assert!(
                from_msgpack(&bytes, &Type::Dynamic).is_err(),
                "{bytes:02x?}"
            );
        }
    }

    #[test]
    fn errors_name_the_path() {
        let ty = Type::object([("a", Type::list(Type::Number))]);
        let v = Value::object([("a", Value::List(vec![Value::int(1), Value::string("x")]))]);
        let err = to_msgpack(&v, &ty).err();
        assert_eq!(
            err.map(|e| e.to_string()),
            Some("at a[1]: expected number, found string".to_owned())
        );
        let bytes = [0x81, 0xa1, b'a', 0x92, 0x01, 0xc3];
        assert_eq!(
            from_msgpack(&bytes, &ty).err(),
            Some(CtyError::TypeMismatch {
                path: Path::root().attr("a").index(1),
                expected: "number".into(),
                found: "msgpack bool".into(),
            })
        );
        let tt = Type::Tuple(vec![Type::String, Type::String]);
        assert_eq!(
            to_msgpack(&Value::Tuple(vec![Value::Null]), &tt).err(),
            Some(CtyError::TupleLength {
                path: Path::root(),
                expected: 2,
                found: 1
            })
        );
        assert!(matches!(
            from_msgpack(&[0x93, 0xc0, 0xc0, 0xc0], &tt),
            Err(CtyError::TupleLength {
                expected: 2,
                found: 3,
                ..
            })
        ));
        let mt = Type::map(Type::Bool);
        let mv = Value::Map(BTreeMap::from([("k".to_owned(), Value::int(1))]));
        assert!(matches!(
            to_msgpack(&mv, &mt),
            Err(CtyError::TypeMismatch { ref path, .. }) if path.to_string() == "[\"k\"]"
        ));
        assert!(to_msgpack(&Value::string("x"), &Type::list(Type::String)).is_err());
        assert!(to_msgpack(&Value::int(1), &Type::Bool).is_err());
    }

    #[test]
    fn malformed_input_is_an_error() {
        let ty = Type::object([("a", Type::String)]);
        for bytes in [
            vec![],
            vec![0xc1],
            vec![0x81],
            vec![0x81, 0xa1],
            vec![0x81, 0xa1, b'a'],
            vec![0x81, 0x01, 0xc0],
            vec![0x81, 0xa1, b'a', 0xa5, b'x'],
            vec![0x81, 0xa1, b'a', 0xa1, 0xff],
            vec![0x81, 0xa1, b'a', 0xc0, 0xc0],
            vec![0xdf, 0xff, 0xff, 0xff, 0xff],
        ] {
            assert!(from_msgpack(&bytes, &ty).is_err(), "{bytes:02x?}");
        }
        // A hostile length does not allocate before failing.
        let bytes = [0xdd, 0xff, 0xff, 0xff, 0xff];
        assert!(from_msgpack(&bytes, &Type::list(Type::String)).is_err());
    }

    #[test]
    fn deeply_nested_dynamic_input_is_rejected_not_overflowed() {
        // Each level: [ "\"dynamic\"" as str, <next> ].
        let mut bytes = Vec::new();
        for _ in 0..100_000 {
            bytes.extend_from_slice(&[0x92, 0xa9]);
            bytes.extend_from_slice(b"\"dynamic\"");
        }
        bytes.push(0xc0);
        assert!(matches!(
            from_msgpack(&bytes, &Type::Dynamic),
            Err(CtyError::TooDeep { .. })
        ));
    }

    #[test]
    fn nesting_up_to_the_limit_round_trips() {
        // The innermost wrapper's plain value sits one level further down.
        let mut v = Value::Dynamic(Box::new((Type::String, Value::string("leaf"))));
        for _ in 0..MAX_DEPTH - 1 {
            v = Value::Dynamic(Box::new((Type::Dynamic, v)));
        }
        let bytes = enc_ok(&v, &Type::Dynamic);
        assert_eq!(dec_ok(&bytes, &Type::Dynamic), v);
        let too_deep = Value::Dynamic(Box::new((Type::Dynamic, v)));
        assert!(matches!(
            to_msgpack(&too_deep, &Type::Dynamic),
            Err(CtyError::TooDeep { .. })
        ));
    }
}
