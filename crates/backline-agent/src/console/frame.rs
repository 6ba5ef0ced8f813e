//! The packet framing that Source RCON and Minecraft RCON share, as a `Decoder`/`Encoder`
//! pair for `tokio_util`'s `Framed`.
//!
//! A packet is `size: i32 LE`, then `size` bytes: `id: i32 LE`, `type: i32 LE`, the body as
//! a NUL-terminated string and an empty NUL-terminated string. `size` counts from `id` to the
//! last NUL, so it is at least 10. See Valve's "Source RCON Protocol" page; Minecraft reuses
//! it unchanged (wiki.vg, "RCON").
//!
//! Errors are `std::io::Error`s (what `Framed` wants); a frame that breaks the rules is
//! `ErrorKind::InvalidData`, which the drivers report as a protocol violation.

use bytes::{Buf, BufMut, BytesMut};
use std::io;
use tokio_util::codec::{Decoder, Encoder};

/// `SERVERDATA_AUTH`: the client's login with the password as its body.
pub const AUTH: i32 = 3;
/// `SERVERDATA_AUTH_RESPONSE`: the server's answer to a login (id -1 when refused).
pub const AUTH_RESPONSE: i32 = 2;
/// `SERVERDATA_EXECCOMMAND`: a console command. Same number as `AUTH_RESPONSE`; the direction
/// tells them apart.
pub const EXEC_COMMAND: i32 = 2;
/// `SERVERDATA_RESPONSE_VALUE`: a piece of a command's answer.
pub const RESPONSE_VALUE: i32 = 0;

/// The largest body Source and Minecraft servers put in one packet.
pub const MAX_BODY: usize = 4096;
/// Bytes of a packet's `size` that are not its body: id, type and the two NULs.
const OVERHEAD: usize = 10;

/// One RCON packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// The request id the client chose; the server echoes it (or -1 for a refused login).
    pub id: i32,
    /// `AUTH`, `AUTH_RESPONSE`/`EXEC_COMMAND` or `RESPONSE_VALUE`.
    pub kind: i32,
    /// The body without its NUL terminators.
    pub body: Vec<u8>,
}

impl Packet {
    /// A packet with a text body.
    pub fn new(id: i32, kind: i32, body: &str) -> Self {
        Self {
            id,
            kind,
            body: body.as_bytes().to_vec(),
        }
    }
}

/// Reads and writes [`Packet`]s; `max_body` bounds what a peer may send in one packet (a
/// size over it is a protocol violation rather than a reason to buffer without end).
#[derive(Debug, Clone)]
pub struct RconCodec {
    max_body: usize,
}

impl RconCodec {
    /// A codec accepting bodies up to `max_body` bytes from the peer.
    pub fn new(max_body: usize) -> Self {
        Self { max_body }
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

impl Decoder for RconCodec {
    type Item = Packet;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Packet>, io::Error> {
        if src.len() < 4 {
            return Ok(None);
        }
        let size = i32::from_le_bytes([src[0], src[1], src[2], src[3]]);
        let size = usize::try_from(size)
            .ok()
            .filter(|size| (OVERHEAD..=self.max_body + OVERHEAD).contains(size))
            .ok_or_else(|| {
                invalid(format!(
                    "packet size {size} outside {OVERHEAD}..={}",
                    self.max_body + OVERHEAD
                ))
            })?;
        if src.len() < 4 + size {
            src.reserve(4 + size - src.len());
            return Ok(None);
        }
        src.advance(4);
        let id = src.get_i32_le();
        let kind = src.get_i32_le();
        let mut body = src.split_to(size - 8).to_vec();
        // Upstream: the body is "string1 NUL string2 NUL" with string2 empty; servers that
        // split a long text across both strings exist (Valve's talk page), so every trailing
        // NUL goes and one is required.
        if body.last() != Some(&0) {
            return Err(invalid(format!(
                "packet {id} of type {kind}: body not NUL-terminated"
            )));
        }
        while body.last() == Some(&0) {
            body.pop();
        }
        Ok(Some(Packet { id, kind, body }))
    }
}

impl Encoder<Packet> for RconCodec {
    type Error = io::Error;

    fn encode(&mut self, packet: Packet, dst: &mut BytesMut) -> Result<(), io::Error> {
        let size = i32::try_from(packet.body.len() + OVERHEAD)
            .map_err(|_| invalid("packet body too long".to_owned()))?;
        dst.reserve(4 + packet.body.len() + OVERHEAD);
        dst.put_i32_le(size);
        dst.put_i32_le(packet.id);
        dst.put_i32_le(packet.kind);
        dst.put_slice(&packet.body);
        dst.put_slice(&[0, 0]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(packet: Packet) -> BytesMut {
        let mut buf = BytesMut::new();
        RconCodec::new(MAX_BODY).encode(packet, &mut buf).unwrap();
        buf
    }

    #[test]
    fn a_packet_is_size_id_type_body_and_two_nuls() {
        let buf = encoded(Packet::new(7, EXEC_COMMAND, "status"));
        let mut expected = Vec::new();
        expected.extend_from_slice(&16i32.to_le_bytes());
        expected.extend_from_slice(&7i32.to_le_bytes());
        expected.extend_from_slice(&2i32.to_le_bytes());
        expected.extend_from_slice(b"status\0\0");
        assert_eq!(&buf[..], &expected[..]);
    }

    #[test]
    fn partial_reads_wait_and_merged_reads_split() {
        let mut codec = RconCodec::new(MAX_BODY);
        let mut both = encoded(Packet::new(1, RESPONSE_VALUE, "hello"));
        both.extend_from_slice(&encoded(Packet::new(2, RESPONSE_VALUE, "")));
        let mut partial = BytesMut::new();
        for byte in both.iter().take(10) {
            partial.put_u8(*byte);
            assert_eq!(codec.decode(&mut partial).unwrap(), None);
        }
        partial.extend_from_slice(&both[10..]);
        assert_eq!(
            codec.decode(&mut partial).unwrap(),
            Some(Packet::new(1, RESPONSE_VALUE, "hello"))
        );
        assert_eq!(
            codec.decode(&mut partial).unwrap(),
            Some(Packet::new(2, RESPONSE_VALUE, ""))
        );
        assert!(partial.is_empty());
    }

    #[test]
    fn sizes_outside_the_rules_are_invalid_data() {
        let mut codec = RconCodec::new(MAX_BODY);
        for size in [-1i32, 0, 9, (MAX_BODY + 11) as i32] {
            let mut buf = BytesMut::from(&size.to_le_bytes()[..]);
            let error = codec.decode(&mut buf).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData, "size {size}");
        }
    }

    #[test]
    fn a_body_without_its_nul_is_invalid_data() {
        let mut buf = BytesMut::new();
        buf.put_i32_le(10);
        buf.put_i32_le(1);
        buf.put_i32_le(0);
        buf.put_slice(b"ab");
        let error = RconCodec::new(MAX_BODY).decode(&mut buf).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }
}
