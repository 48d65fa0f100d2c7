//! Misuse-safe handles: the opaque pointers C holds are ids into process-wide tables, never addresses.
//!
//! An id packs a type tag, a slot index and the slot's generation. Looking an id up checks all three, clones
//! the object's `Arc` and releases the table lock before any work is done, so:
//! * NULL, a pointer of the wrong handle type, or a made-up value is [`Code::InvalidHandle`];
//! * a freed handle is [`Code::InvalidHandle`] forever, even after its slot is reused (the generation moved on);
//! * a second free is a no-op;
//! * freeing a handle while another thread is inside a call on it is safe: that call holds its own `Arc` and
//!   finishes normally; the object is dropped (and its secrets wiped) when the last call returns.
//!
//! The tag lives in the top bits, so ids are never valid addresses on any supported platform (and never look
//! like pointers into a Go heap). Tables are `Sync`; their lock is held only for the look-up itself.

use std::sync::{Arc, Mutex};

use crate::error::{Code, Error, Result};

#[cfg(target_pointer_width = "64")]
mod layout {
    pub const TAG_SHIFT: u32 = 56;
    pub const GEN_SHIFT: u32 = 32;
    pub const GEN_MASK: usize = 0x00FF_FFFF;
    pub const INDEX_MASK: usize = 0xFFFF_FFFF;
}
#[cfg(target_pointer_width = "32")]
mod layout {
    pub const TAG_SHIFT: u32 = 28;
    pub const GEN_SHIFT: u32 = 16;
    pub const GEN_MASK: usize = 0x0FFF;
    pub const INDEX_MASK: usize = 0xFFFF;
}
use layout::*;

/// The kinds of handle, one tag each (never 0, so no id is NULL).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Options = 1,
    Client = 2,
    Session = 3,
    Error = 4,
}

struct Slot<T> {
    generation: usize,
    value: Option<Arc<T>>,
}

struct Slots<T> {
    slots: Vec<Slot<T>>,
    free: Vec<usize>,
}

/// A table of live objects of one kind.
pub(crate) struct Table<T> {
    kind: Kind,
    inner: Mutex<Slots<T>>,
}

impl<T> Table<T> {
    pub(crate) const fn new(kind: Kind) -> Table<T> {
        Table { kind, inner: Mutex::new(Slots { slots: Vec::new(), free: Vec::new() }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slots<T>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores `value` and returns its id, as the opaque pointer C will hold.
    pub(crate) fn insert<P>(&self, value: T) -> Result<*mut P> {
        let mut s = self.lock();
        let index = match s.free.pop() {
            Some(i) => i,
            None => {
                if s.slots.len() > INDEX_MASK - 1 {
                    return Err(Error::with_message(Code::Internal, "too many live handles"));
                }
                s.slots.push(Slot { generation: 0, value: None });
                s.slots.len() - 1
            }
        };
        let slot = &mut s.slots[index];
        slot.value = Some(Arc::new(value));
        let id = ((self.kind as usize) << TAG_SHIFT) | ((slot.generation & GEN_MASK) << GEN_SHIFT) | (index + 1);
        Ok(id as *mut P)
    }

    fn decode<P>(&self, handle: *const P) -> Option<(usize, usize)> {
        let id = handle as usize;
        if id >> TAG_SHIFT != self.kind as usize {
            return None;
        }
        let index = (id & INDEX_MASK).checked_sub(1)?;
        Some((index, (id >> GEN_SHIFT) & GEN_MASK))
    }

    /// The object behind `handle`. Errors: [`Code::InvalidHandle`] naming `arg`.
    pub(crate) fn get<P>(&self, handle: *const P, arg: &'static str) -> Result<Arc<T>> {
        let invalid = || Error::argument(Code::InvalidHandle, arg, "NULL, freed, or not a handle of this type");
        let (index, generation) = self.decode(handle).ok_or_else(invalid)?;
        let s = self.lock();
        match s.slots.get(index) {
            Some(Slot { generation: g, value: Some(v) }) if *g & GEN_MASK == generation => Ok(Arc::clone(v)),
            _ => Err(invalid()),
        }
    }

    /// Removes the object; returns it when `handle` was live (so the caller decides where it is dropped).
    pub(crate) fn remove<P>(&self, handle: *const P) -> Option<Arc<T>> {
        let (index, generation) = self.decode(handle)?;
        let mut s = self.lock();
        let slot = s.slots.get_mut(index)?;
        if slot.generation & GEN_MASK != generation || slot.value.is_none() {
            return None;
        }
        let value = slot.value.take();
        slot.generation = slot.generation.wrapping_add(1);
        s.free.push(index);
        value
    }

    /// How many objects are live (for leak tests).
    pub(crate) fn live(&self) -> usize {
        self.lock().slots.iter().filter(|s| s.value.is_some()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Opaque;

    #[test]
    fn stale_wrong_kind_and_forged_handles_are_refused() {
        let a: Table<String> = Table::new(Kind::Session);
        let b: Table<String> = Table::new(Kind::Client);
        let h: *mut Opaque = a.insert("x".to_string()).unwrap();
        assert!(!h.is_null());
        assert_eq!(a.get(h, "s").unwrap().as_str(), "x");
        assert_eq!(b.get(h, "c").unwrap_err().code(), Code::InvalidHandle);
        assert!(a.get(std::ptr::null::<Opaque>(), "s").is_err());
        assert!(a.get(0x1234 as *const Opaque, "s").is_err());
        let held = a.get(h, "s").unwrap();
        assert!(a.remove(h).is_some());
        assert!(a.remove(h).is_none(), "second free is a no-op");
        assert_eq!(held.as_str(), "x", "a call in flight keeps its object");
        let h2: *mut Opaque = a.insert("y".to_string()).unwrap();
        assert_ne!(h, h2, "a reused slot gets a new generation");
        assert!(a.get(h, "s").is_err());
        assert_eq!(a.get(h2, "s").unwrap().as_str(), "y");
        assert_eq!(a.live(), 1);
    }
}
