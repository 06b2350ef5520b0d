// SPDX-License-Identifier: GPL-2.0
//! The open rules of the legacy `/dev/mcelog` (`dev-mcelog.c`).

/// Who has the device open: an `O_EXCL` open fails while the device is
/// open, and any open fails while an `O_EXCL` open is held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Opens {
    count: u32,
    exclusive: bool,
}

/// The device is busy (`-EBUSY`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy;

impl Opens {
    /// An open, `O_EXCL` or not.
    pub fn open(&mut self, excl: bool) -> Result<(), Busy> {
        if self.exclusive || (self.count > 0 && excl) {
            return Err(Busy);
        }
        self.exclusive |= excl;
        self.count += 1;
        Ok(())
    }

    /// A release of a successful open.
    pub fn release(&mut self) {
        self.count = self.count.saturating_sub(1);
        if self.count == 0 {
            self.exclusive = false;
        }
    }

    /// Open files.
    pub fn count(&self) -> u32 {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excl_both_ways_and_released() {
        let mut o = Opens::default();
        assert_eq!(o.open(false), Ok(()));
        assert_eq!(o.open(false), Ok(()), "shared opens stack");
        assert_eq!(o.open(true), Err(Busy), "O_EXCL while open");
        o.release();
        o.release();
        assert_eq!(o.open(true), Ok(()));
        assert_eq!(o.open(false), Err(Busy), "any open while O_EXCL is held");
        assert_eq!(o.open(true), Err(Busy));
        assert_eq!(o.count(), 1, "refused opens count nothing");
        o.release();
        assert_eq!(o.open(false), Ok(()), "O_EXCL gone with its file");
        o.release();
        o.release();
        assert_eq!(o.count(), 0, "an extra release cannot underflow");
    }
}
