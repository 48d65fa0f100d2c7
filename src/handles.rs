//! Misuse-safe, typed handles: the opaque pointers C holds are ids into process-wide tables, never addresses.
//!
//! Each C handle type (`sxt_session`, ...) implements [`Handle`], naming the Rust object behind it and its
//! table, so the compiler rejects handing a session table a client pointer (like rustls-ffi's `Castable`).
//! At run time an id packs a type tag, a slot index and the slot's generation; a look-up checks all three,
//! clones the object's `Arc` and releases the table lock before any work is done, so:
//! * NULL, a pointer of the wrong handle type, or a made-up value is [`Status::InvalidHandle`];
//! * a freed handle is [`Status::InvalidHandle`] forever: a slot is reused with the next generation, and a
//!   slot whose generations are used up is retired, never reused (so a stale id can never name a newer object);
//! * a second free is a no-op;
//! * freeing a handle while another thread is inside a call on it is safe: that call holds its own `Arc` and
//!   finishes normally; the object is dropped (and its secrets wiped) when the last call returns.
//!
//! Freed slots are reused oldest first, so one slot's generations last as long as possible. The tag lives in
//! the top bits, so ids are never valid addresses on any supported platform (and never look like pointers into
//! a Go heap). Tables are `Sync`; their lock is held only for the look-up itself.
//!
//! Capacity: on 64-bit targets 2^32 live handles per type, each slot reused 2^24 times before it retires
//! (2^56 handles per type over a process's life). On 32-bit targets 65,535 live handles per type and 4,096
//! uses per slot (2^28 handles per type over a process's life); past that, creating a handle fails with
//! [`Status::Internal`] rather than risk a stale id naming a new object.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::status::{CError, CResult, Status};

/// How an id is packed: `tag << tag_shift | generation << gen_shift | (index + 1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    tag_shift: u32,
    gen_shift: u32,
    gen_mask: usize,
    index_mask: usize,
}

/// The layout for 64-bit pointers: 8-bit tag, 24-bit generation, 32-bit index.
#[allow(dead_code)]
pub(crate) const LAYOUT_64: Layout = Layout { tag_shift: 56, gen_shift: 32, gen_mask: 0x00FF_FFFF, index_mask: 0xFFFF_FFFF };
/// The layout for 32-bit pointers: 4-bit tag, 12-bit generation, 16-bit index.
#[allow(dead_code)]
pub(crate) const LAYOUT_32: Layout = Layout { tag_shift: 28, gen_shift: 16, gen_mask: 0x0FFF, index_mask: 0xFFFF };

#[cfg(target_pointer_width = "64")]
const NATIVE: Layout = LAYOUT_64;
#[cfg(target_pointer_width = "32")]
const NATIVE: Layout = LAYOUT_32;

/// The kinds of handle, one tag each (never 0, so no id is NULL).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Options = 1,
    Client = 2,
    Session = 3,
    Error = 4,
    Call = 5,
    Signer = 6,
}

/// A C handle type: the opaque struct C sees, tied to the Rust object it stands for.
pub(crate) trait Handle: Sized + 'static {
    /// What the handle refers to.
    type Object: Send + Sync + 'static;
    /// Its tag.
    const KIND: Kind;
    /// The one table of this type.
    fn table() -> &'static Table<Self>;

    /// Registers `object` and returns its handle. Errors: [`Status::Internal`] when the table is full.
    fn publish(object: Self::Object) -> CResult<*mut Self> {
        Self::table().insert(object)
    }
    /// The object behind `handle`. Errors: [`Status::InvalidHandle`] naming the parameter `arg`.
    fn get(handle: *const Self, arg: &'static str) -> CResult<Arc<Self::Object>> {
        Self::table().get(handle, arg)
    }
    /// Removes `handle`'s object from the table; returns it when `handle` was live.
    fn release(handle: *const Self) -> Option<Arc<Self::Object>> {
        Self::table().remove(handle)
    }
}

struct Slot<T> {
    generation: usize,
    value: Option<Arc<T>>,
}

struct Slots<T> {
    slots: Vec<Slot<T>>,
    /// Freed slots that may be reused, oldest first.
    free: VecDeque<usize>,
}

/// The live objects of one handle type.
pub(crate) struct Table<H: Handle> {
    layout: Layout,
    inner: Mutex<Slots<H::Object>>,
    _handle: PhantomData<fn() -> H>,
}

impl<H: Handle> Table<H> {
    pub(crate) const fn new() -> Table<H> {
        Table::with_layout(NATIVE)
    }

    pub(crate) const fn with_layout(layout: Layout) -> Table<H> {
        Table { layout, inner: Mutex::new(Slots { slots: Vec::new(), free: VecDeque::new() }), _handle: PhantomData }
    }

    fn lock(&self) -> MutexGuard<'_, Slots<H::Object>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn insert(&self, value: H::Object) -> CResult<*mut H> {
        let l = self.layout;
        let mut s = self.lock();
        let index = match s.free.pop_front() {
            Some(i) => i,
            None => {
                if s.slots.len() >= l.index_mask {
                    return Err(CError::new(Status::Internal, "too many handles of this type"));
                }
                s.slots.push(Slot { generation: 0, value: None });
                s.slots.len() - 1
            }
        };
        let slot = &mut s.slots[index];
        slot.value = Some(Arc::new(value));
        let id = ((H::KIND as usize) << l.tag_shift) | (slot.generation << l.gen_shift) | (index + 1);
        Ok(id as *mut H)
    }

    fn decode(&self, handle: *const H) -> Option<(usize, usize)> {
        let l = self.layout;
        let id = handle as usize;
        if id >> l.tag_shift != H::KIND as usize {
            return None;
        }
        let index = (id & l.index_mask).checked_sub(1)?;
        Some((index, (id >> l.gen_shift) & l.gen_mask))
    }

    fn get(&self, handle: *const H, arg: &'static str) -> CResult<Arc<H::Object>> {
        let invalid = || CError::argument(Status::InvalidHandle, arg, "NULL, freed, or not a handle of this type");
        let (index, generation) = self.decode(handle).ok_or_else(invalid)?;
        let s = self.lock();
        match s.slots.get(index) {
            Some(Slot { generation: g, value: Some(v) }) if *g == generation => Ok(Arc::clone(v)),
            _ => Err(invalid()),
        }
    }

    fn remove(&self, handle: *const H) -> Option<Arc<H::Object>> {
        let (index, generation) = self.decode(handle)?;
        let mut s = self.lock();
        let slot = s.slots.get_mut(index)?;
        if slot.generation != generation || slot.value.is_none() {
            return None;
        }
        let value = slot.value.take();
        if slot.generation < self.layout.gen_mask {
            slot.generation += 1;
            s.free.push_back(index);
        }
        // else: every generation of this slot has been handed out; it is retired for good.
        value
    }

    /// How many objects are live (for leak tests).
    pub(crate) fn live(&self) -> usize {
        self.lock().slots.iter().filter(|s| s.value.is_some()).count()
    }

    #[cfg(test)]
    fn set_generation(&self, handle: *const H, generation: usize) -> *mut H {
        let (index, _) = self.decode(handle).unwrap();
        self.lock().slots[index].generation = generation;
        let l = self.layout;
        (((H::KIND as usize) << l.tag_shift) | (generation << l.gen_shift) | (index + 1)) as *mut H
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! test_handle {
        ($name:ident, $kind:expr, $layout:expr) => {
            struct $name;
            impl Handle for $name {
                type Object = String;
                const KIND: Kind = $kind;
                fn table() -> &'static Table<Self> {
                    static TABLE: Table<$name> = Table::with_layout($layout);
                    &TABLE
                }
            }
        };
    }
    test_handle!(TestSession, Kind::Session, NATIVE);
    test_handle!(TestClient, Kind::Client, NATIVE);
    test_handle!(Narrow, Kind::Options, LAYOUT_32);
    test_handle!(Wide, Kind::Error, LAYOUT_64);

    #[test]
    fn stale_wrong_kind_and_forged_handles_are_refused() {
        let h = TestSession::publish("x".to_string()).unwrap();
        assert!(!h.is_null());
        assert_eq!(TestSession::get(h, "s").unwrap().as_str(), "x");
        // A client pointer with the session's bits: the compiler refuses `TestClient::get(h)`; a cast gets past
        // it, and the tag check catches that at run time.
        assert_eq!(TestClient::get(h as *const TestClient, "c").err().unwrap().status, Status::InvalidHandle);
        assert!(TestSession::get(std::ptr::null(), "s").is_err());
        assert!(TestSession::get(0x1234 as *const TestSession, "s").is_err());
        let held = TestSession::get(h, "s").unwrap();
        assert!(TestSession::release(h).is_some());
        assert!(TestSession::release(h).is_none(), "second free is a no-op");
        assert_eq!(held.as_str(), "x", "a call in flight keeps its object");
        let h2 = TestSession::publish("y".to_string()).unwrap();
        assert_ne!(h, h2, "a reused slot gets a new generation");
        assert!(TestSession::get(h, "s").is_err());
        assert_eq!(TestSession::get(h2, "s").unwrap().as_str(), "y");
        assert_eq!(TestSession::table().live(), 1);
        TestSession::release(h2);
    }

    /// Creates and frees handles until `stale`'s slot has been through every generation; the stale id must
    /// never come back to life.
    fn cycle_through_every_generation<H: Handle<Object = String>>(stale: *mut H, cycles: usize) {
        for _ in 0..cycles {
            let h = H::publish("new owner".to_string()).unwrap();
            assert_ne!(h, stale, "a stale handle came back to life");
            assert!(H::get(stale, "h").is_err());
            H::release(h);
        }
    }

    #[test]
    fn the_32_bit_layout_never_revives_a_stale_handle() {
        let stale = Narrow::publish("old".to_string()).unwrap();
        Narrow::release(stale);
        // 4096 generations per slot: more than twice that many cycles wrap a naive generation twice.
        cycle_through_every_generation(stale, 3 * 4096);
        assert!(Narrow::get(stale, "h").is_err());
        let id = stale as usize;
        assert_eq!(id >> 28, Kind::Options as usize, "the tag sits in the top 4 bits");
        assert!(id < 1 << 32, "the id fits 32 bits");
    }

    #[test]
    fn the_64_bit_layout_retires_a_slot_at_its_last_generation() {
        let first = Wide::publish("old".to_string()).unwrap();
        let last = Wide::table().set_generation(first, LAYOUT_64.gen_mask);
        assert!(Wide::get(first, "h").is_err(), "the generation moved on");
        assert_eq!(Wide::get(last, "h").unwrap().as_str(), "old");
        Wide::release(last);
        let next = Wide::publish("new".to_string()).unwrap();
        assert_ne!(next as usize & LAYOUT_64.index_mask, last as usize & LAYOUT_64.index_mask, "the slot is retired");
        assert!(Wide::get(last, "h").is_err() && Wide::get(first, "h").is_err());
        cycle_through_every_generation(last, 1000);
        Wide::release(next);
    }
}
