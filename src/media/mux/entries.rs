//! Sample entries built from scratch for encoded streams (`av01`); remuxed streams reuse the
//! source's.

use super::boxwriter::BoxWriter;

/// A visual sample entry `av01` with its `av1C` record (AV1-ISOBMFF 2.2).
pub fn av01_entry(width: u32, height: u32, av1c: &[u8]) -> Vec<u8> {
    let mut w = BoxWriter::new();
    w.begin(b"av01");
    w.zeros(6);
    w.u16(1); // data reference index
    w.zeros(16);
    w.u16(width.min(65535) as u16);
    w.u16(height.min(65535) as u16);
    w.u32(0x0048_0000); // 72 dpi
    w.u32(0x0048_0000);
    w.u32(0);
    w.u16(1); // frame count
    w.zeros(32); // compressor name
    w.u16(0x0018); // depth
    w.u16(0xffff); // pre_defined = -1
    w.begin(b"av1C");
    w.bytes(av1c);
    w.end();
    w.end();
    w.buf
}
