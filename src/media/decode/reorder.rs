//! Decoders hand pictures back in decode order; B-frames make display order differ. A small
//! buffer keyed by presentation time releases pictures once no earlier one can still arrive.

use std::collections::BTreeMap;

/// H.264 allows at most 16 reordered frames; holding that many always suffices.
pub const MAX_REORDER: usize = 16;

pub struct Reorder<T> {
    pending: BTreeMap<i64, T>,
    depth: usize,
}

impl<T> Reorder<T> {
    pub fn new(depth: usize) -> Self {
        Reorder {
            pending: BTreeMap::new(),
            depth: depth.max(1),
        }
    }

    /// Adds a picture; returns the earliest one when the buffer is full.
    pub fn push(&mut self, pts: i64, item: T) -> Option<(i64, T)> {
        self.pending.insert(pts, item);
        if self.pending.len() > self.depth {
            self.pending.pop_first()
        } else {
            None
        }
    }

    /// The earliest pending picture, at end of stream.
    pub fn pop(&mut self) -> Option<(i64, T)> {
        self.pending.pop_first()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_in_presentation_order() {
        let mut r = Reorder::new(2);
        let mut out = Vec::new();
        for pts in [0, 3, 1, 2, 6, 4, 5] {
            out.extend(r.push(pts, ()).map(|x| x.0));
        }
        while let Some((p, _)) = r.pop() {
            out.push(p);
        }
        assert_eq!(out, vec![0, 1, 2, 3, 4, 5, 6]);
    }
}
