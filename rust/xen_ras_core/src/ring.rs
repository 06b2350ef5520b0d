// SPDX-License-Identifier: GPL-2.0
//! The bounded record ring behind `/dev/mcelog`.
//!
//! Storage is supplied by the caller (a vmalloc-backed kernel allocation
//! sized by a module parameter, or a `Vec` in tests), so the ring itself
//! never allocates.
//!
//! The legacy `/dev/mcelog` semantics of `dev-mcelog.c`: a full ring keeps
//! the oldest records, refuses the newest ([`Ring::push_oldest`] says how
//! many it kept) and raises the overflow flag that `MCE_GETCLEAR_FLAGS`
//! (bit [`MCE_OVERFLOW`]) returns. The ring is one consumer among two: the
//! kernel's MCE log gets every record whatever the ring keeps, and Xen's
//! telemetry is never left waiting for room here (see `drain`).

/// Bit 0 of `MCE_GETCLEAR_FLAGS`: records were lost.
pub const MCE_OVERFLOW: u32 = 0;

/// A FIFO of `T` over caller-provided storage.
pub struct Ring<T, S> {
    buf: S,
    head: usize,
    len: usize,
    flags: u32,
    _t: core::marker::PhantomData<T>,
}

impl<T: Copy, S: AsRef<[T]> + AsMut<[T]>> Ring<T, S> {
    /// A ring holding at most `buf.as_ref().len()` records.
    pub fn new(buf: S) -> Self {
        Self {
            buf,
            head: 0,
            len: 0,
            flags: 0,
            _t: core::marker::PhantomData,
        }
    }

    /// Capacity in records.
    pub fn capacity(&self) -> usize {
        self.buf.as_ref().len()
    }

    /// Records waiting for a reader.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no record waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Free slots.
    pub fn free(&self) -> usize {
        self.capacity() - self.len
    }

    /// Appends as many records of `recs` as fit, oldest first, and returns
    /// how many it kept. Records that did not fit raise [`MCE_OVERFLOW`].
    pub fn push_oldest(&mut self, recs: &[T]) -> usize {
        let kept = recs.len().min(self.free());
        let cap = self.capacity();
        for r in &recs[..kept] {
            let tail = (self.head + self.len) % cap;
            self.buf.as_mut()[tail] = *r;
            self.len += 1;
        }
        if kept < recs.len() {
            self.mark_lost();
        }
        kept
    }

    /// Removes and returns the oldest record.
    pub fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let r = self.buf.as_ref()[self.head];
        self.head = (self.head + 1) % self.capacity();
        self.len -= 1;
        Some(r)
    }

    /// The oldest record, left in place.
    pub fn peek(&self) -> Option<&T> {
        (self.len != 0).then(|| &self.buf.as_ref()[self.head])
    }

    /// Records that records were lost (raises [`MCE_OVERFLOW`]).
    pub fn mark_lost(&mut self) {
        self.flags |= 1 << MCE_OVERFLOW;
    }

    /// `MCE_GETCLEAR_FLAGS`: returns the flags and clears them.
    pub fn getclear_flags(&mut self) -> u32 {
        core::mem::take(&mut self.flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_wrap() {
        let mut r = Ring::new([0u32; 4]);
        assert_eq!(r.push_oldest(&[1, 2, 3]), 3);
        assert_eq!(r.pop(), Some(1));
        assert_eq!(r.pop(), Some(2));
        assert_eq!(r.push_oldest(&[4, 5, 6]), 3);
        assert_eq!(r.len(), 4);
        assert_eq!(r.peek(), Some(&3));
        let v: Vec<_> = core::iter::from_fn(|| r.pop()).collect();
        assert_eq!(v, [3, 4, 5, 6]);
        assert!(r.is_empty());
        assert_eq!(r.getclear_flags(), 0, "nothing dropped, no flag");
    }

    #[test]
    fn full_ring_keeps_the_oldest_and_flags_the_loss() {
        let mut r = Ring::new(vec![0u8; 3]);
        assert_eq!(r.push_oldest(&[1, 2]), 2);
        assert_eq!(r.push_oldest(&[3, 4]), 1, "only what fits is kept");
        assert_eq!(r.getclear_flags(), 1 << MCE_OVERFLOW);
        assert_eq!(r.push_oldest(&[5]), 0, "full: the newest is refused");
        assert_eq!(r.getclear_flags(), 1 << MCE_OVERFLOW);
        let v: Vec<_> = core::iter::from_fn(|| r.pop()).collect();
        assert_eq!(v, [1, 2, 3], "the oldest records stay");
        assert_eq!(r.push_oldest(&[]), 0);
        assert_eq!(r.getclear_flags(), 0, "an empty push loses nothing");
    }

    #[test]
    fn overflow_flag_is_get_and_clear() {
        let mut r = Ring::new([0u8; 1]);
        r.mark_lost();
        assert_eq!(r.getclear_flags(), 1 << MCE_OVERFLOW);
        assert_eq!(r.getclear_flags(), 0);
    }
}
