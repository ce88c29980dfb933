//! Decoders hand pictures back in decode order; B-frames make display order differ. A small
//! buffer keyed by presentation time releases pictures once no earlier one can still arrive.

use std::collections::BTreeMap;

/// H.264 allows at most 16 reordered frames; holding that many always suffices.
pub const MAX_REORDER: usize = 16;

/// The buffer depth a stream needs, from its samples' presentation times in decode order: the
/// most pictures decoded before one and shown after it (H.264's `max_num_reorder_frames`, but
/// measured on the stream rather than trusted from its header), at most `MAX_REORDER`. Holding
/// `MAX_REORDER` pictures always would also be correct, but at 1080p that is 50 MB and a
/// 16-frame lag for every stream, when x264's B-pyramid needs 2 and phones' streams 0 or 1.
pub fn depth_needed(pts_in_decode_order: &[i64]) -> usize {
    // Ranks of the presentation times, then a Fenwick tree counting the ranks seen so far:
    // the pictures decoded earlier and shown later are those seen with a higher rank.
    let mut sorted = pts_in_decode_order.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut tree = vec![0usize; sorted.len() + 1];
    let mut deepest = 0;
    for (seen, pts) in pts_in_decode_order.iter().enumerate() {
        let rank = sorted.partition_point(|p| p <= pts);
        let mut not_later = 0;
        let mut i = rank;
        while i > 0 {
            not_later += tree[i];
            i &= i - 1;
        }
        deepest = deepest.max(seen - not_later);
        if deepest >= MAX_REORDER {
            return MAX_REORDER;
        }
        let mut i = rank;
        while i < tree.len() {
            tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    deepest
}

pub struct Reorder<T> {
    pending: BTreeMap<i64, T>,
    depth: usize,
}

impl<T> Reorder<T> {
    pub fn new(depth: usize) -> Self {
        Reorder {
            pending: BTreeMap::new(),
            depth,
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
    fn depth_is_what_the_stream_reorders() {
        assert_eq!(depth_needed(&[]), 0);
        assert_eq!(depth_needed(&[0, 1, 2, 3]), 0);
        // I P B: the B is shown before the P decoded ahead of it.
        assert_eq!(depth_needed(&[0, 2, 1, 4, 3]), 1);
        // x264's B-pyramid: I P B(ref) b b.
        assert_eq!(depth_needed(&[0, 4, 2, 1, 3, 8, 6, 5, 7]), 2);
        // A picture shown after everything decoded later: nothing waits on it.
        assert_eq!(depth_needed(&[9, 0, 1, 2]), 1);
        let wild: Vec<i64> = (0..40).rev().collect();
        assert_eq!(depth_needed(&wild), MAX_REORDER);
    }

    #[test]
    fn the_measured_depth_releases_in_order() {
        let pts = [0, 4, 2, 1, 3, 8, 6, 5, 7, 12, 10, 9, 11];
        let mut r = Reorder::new(depth_needed(&pts));
        let mut out = Vec::new();
        for p in pts {
            out.extend(r.push(p, ()).map(|x| x.0));
        }
        out.extend(std::iter::from_fn(|| r.pop()).map(|x| x.0));
        assert_eq!(out, (0..13).collect::<Vec<_>>());
    }

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
