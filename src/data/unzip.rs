//! A gzip file decoded on a thread of its own, so inflating one block
//! overlaps parsing the rows of the one before.
//!
//! The decoding thread hands over blocks of [`BLOCK`] bytes through a
//! channel with room for [`AHEAD`] of them, so it runs at most that far
//! ahead and memory stays a few blocks whatever the file's size. It
//! stops when the reader is dropped (its next send fails) or at the end
//! of the file; an error (a truncated or corrupt archive, a disk error)
//! is handed over in its place, and the reader returns it, so a file cut
//! short is never read as a whole one.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Bytes decoded per block: large enough that handing one over costs
/// nothing next to inflating it.
const BLOCK: usize = 256 * 1024;
/// Blocks decoded ahead of the reader.
const AHEAD: usize = 4;

/// The decoded bytes of a gzip stream, read from another thread.
pub(super) struct Unzipped {
    blocks: Receiver<io::Result<Vec<u8>>>,
    block: Vec<u8>,
    at: usize,
    /// The stream ended or failed: nothing more comes.
    done: bool,
}

impl Unzipped {
    /// Starts decoding `compressed` (every gzip member, as
    /// `MultiGzDecoder` reads them) on a new thread.
    pub(super) fn new(compressed: impl Read + Send + 'static) -> Unzipped {
        let (send, blocks) = sync_channel(AHEAD);
        std::thread::spawn(move || decode(flate2::read::MultiGzDecoder::new(compressed), &send));
        Unzipped {
            blocks,
            block: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

/// Decodes blocks until the end, an error, or the reader is gone.
fn decode(mut from: impl Read, to: &SyncSender<io::Result<Vec<u8>>>) {
    loop {
        let mut block = vec![0; BLOCK];
        let mut filled = 0;
        // Fill the block: an inflater returns a few KiB per call.
        while filled < BLOCK {
            match from.read(block.get_mut(filled..).unwrap_or_default()) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    block.truncate(filled);
                    // What was decoded before the error comes first.
                    if !block.is_empty() && to.send(Ok(block)).is_err() {
                        return;
                    }
                    let _ = to.send(Err(e));
                    return;
                }
            }
        }
        block.truncate(filled);
        let end = block.is_empty();
        if to.send(Ok(block)).is_err() || end {
            return;
        }
    }
}

impl Read for Unzipped {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at >= self.block.len() {
            if self.done {
                return Ok(0);
            }
            match self.blocks.recv() {
                Ok(Ok(block)) => {
                    self.done = block.is_empty();
                    self.block = block;
                    self.at = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                // The thread ended without saying why: it panicked.
                Err(_) => {
                    self.done = true;
                    return Err(io::Error::other(
                        "the gzip decoder stopped before the end of the file",
                    ));
                }
            }
        }
        let rest = self.block.get(self.at..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        if let (Some(to), Some(from)) = (buf.get_mut(..n), rest.get(..n)) {
            to.copy_from_slice(from);
        }
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    }

    /// Several blocks and two gzip members read back byte for byte.
    #[test]
    fn reads_every_member_whole() {
        let text: Vec<u8> = (0..3 * BLOCK + 17).map(|i| (i % 251) as u8).collect();
        let mut both = gzip(&text);
        both.extend(gzip(b"tail"));
        let mut out = Vec::new();
        Unzipped::new(io::Cursor::new(both))
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), text.len() + 4);
        assert!(out.starts_with(&text) && out.ends_with(b"tail"));
    }

    /// A truncated archive is an error after what it held, never a
    /// short file read as whole.
    #[test]
    fn a_truncated_archive_is_an_error() {
        let text: Vec<u8> = (0..2 * BLOCK).map(|i| (i * 7 % 256) as u8).collect();
        let gz = gzip(&text);
        let cut = gz.get(..gz.len() / 2).unwrap().to_vec();
        let mut out = Vec::new();
        let e = Unzipped::new(io::Cursor::new(cut)).read_to_end(&mut out);
        assert!(e.is_err());
        assert!(!out.is_empty() && out.len() < text.len());
        assert!(text.starts_with(&out));
    }

    /// Dropping the reader early ends the thread (its send fails), and
    /// an empty stream reads as empty.
    #[test]
    fn an_early_drop_and_an_empty_stream() {
        let big = gzip(&vec![b'x'; 8 * BLOCK]);
        let mut r = Unzipped::new(io::Cursor::new(big));
        let mut first = [0u8; 10];
        r.read_exact(&mut first).unwrap();
        drop(r);
        let mut out = Vec::new();
        Unzipped::new(io::Cursor::new(gzip(b"")))
            .read_to_end(&mut out)
            .unwrap();
        assert!(out.is_empty());
    }
}
