//! Checks on plain fields do not allocate when evaluated (transformers may: they build their
//! values per event). Counted with a per-thread counting allocator.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::*;

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by evaluating `filter` on the 20 dummy events (after a warm-up run, so
/// that lazily built regex caches are not counted), and the events it matches.
fn allocations(filter: &str) -> (usize, Vec<u64>) {
    let f = compile_ok(filter);
    let events = dummy_events();
    let mut hits = Vec::with_capacity(events.len());
    for e in &events {
        f.matches(e);
    }
    let before = ALLOCS.with(|c| c.get());
    for e in &events {
        if f.matches(e) {
            hits.push(e.num);
        }
    }
    (ALLOCS.with(|c| c.get()) - before, hits)
}

#[test]
fn plain_checks_do_not_allocate() {
    for filter in [
        "evt.num > 0 and evt.num < 10 and dummy.divisible[3] = 1",
        "dummy.strvalue in (8, 15, 22, 29, 36, 43, 50, 57, 64, 71, 78, 85, 92, 99)",
        "dummy.strvalue glob '*9' or dummy.strvalue startswith 1 or dummy.strvalue contains 77",
        "dummy.strvalue regex '1[0-9]*5'",
        "not (dummy.value > 1000 and dummy.divisible[3] = 1) and evt.num exists",
        "dummy.strvalue icontains 3 or dummy.strvalue endswith anyof (0, 9)",
        "dummy.value = val(evt.num) or dummy.value < val(dummy.divisible[2])",
    ] {
        assert_eq!(allocations(filter).0, 0, "{filter}");
    }
}

#[test]
fn transformers_evaluate_per_event() {
    let (n, hits) = allocations("len(dummy.strvalue) = 3 and tolower(dummy.strvalue) endswith 3");
    assert_eq!(hits, vec![16, 20]);
    assert!(n > 0, "the counter sees the transformer's buffers");
}
