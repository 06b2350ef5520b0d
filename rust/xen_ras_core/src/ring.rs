// SPDX-License-Identifier: GPL-2.0
//! The bounded record ring behind `/dev/mcelog`.
//!
//! Storage is supplied by the caller (a kernel allocation sized by a module
//! parameter, or a `Vec` in tests), so the ring itself never allocates.
//! A full ring refuses new records ([`Ring::push_all`] is all-or-nothing):
//! the producer then leaves the telemetry with Xen (backpressure) instead of
//! dropping it. The overflow flag (`MCE_GETCLEAR_FLAGS`, bit
//! [`MCE_OVERFLOW`]) is raised only through [`Ring::mark_lost`], for records
//! that are really gone.

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

    /// Appends every record of `recs`, or none of them if they do not all fit.
    pub fn push_all(&mut self, recs: &[T]) -> bool {
        if recs.len() > self.free() {
            return false;
        }
        let cap = self.capacity();
        for r in recs {
            let tail = (self.head + self.len) % cap;
            self.buf.as_mut()[tail] = *r;
            self.len += 1;
        }
        true
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
        assert!(r.push_all(&[1, 2, 3]));
        assert_eq!(r.pop(), Some(1));
        assert_eq!(r.pop(), Some(2));
        assert!(r.push_all(&[4, 5, 6]));
        assert_eq!(r.len(), 4);
        assert_eq!(r.peek(), Some(&3));
        let v: Vec<_> = core::iter::from_fn(|| r.pop()).collect();
        assert_eq!(v, [3, 4, 5, 6]);
        assert!(r.is_empty());
    }

    #[test]
    fn full_is_all_or_nothing_and_raises_no_flag() {
        let mut r = Ring::new(vec![0u8; 3]);
        assert!(r.push_all(&[1, 2]));
        assert!(!r.push_all(&[3, 4]));
        assert_eq!(r.len(), 2, "a refused batch stores nothing");
        assert_eq!(r.getclear_flags(), 0, "backpressure is not loss");
        assert!(r.push_all(&[3]));
        assert_eq!(r.free(), 0);
    }

    #[test]
    fn overflow_flag_is_get_and_clear() {
        let mut r = Ring::new([0u8; 1]);
        r.mark_lost();
        assert_eq!(r.getclear_flags(), 1 << MCE_OVERFLOW);
        assert_eq!(r.getclear_flags(), 0);
    }
}
