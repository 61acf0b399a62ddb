//! Reads as resources, writes as actions, each made by one constructor that erases what it is
//! given. `LocalResource` and `Action` are generic over their closure and value, so every call
//! site would carry its own copy of their machinery in the wasm: moving the pages onto them
//! directly made the first load 27 KB (brotli) heavier. Through these, one resource type and one
//! action type serve every page, and the first load stays lighter than before.

use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;

/// What a write said when it finished: a notice, or an error message.
pub type Said = Result<String, String>;

/// A write: pending while it runs, its `value()` what it said last.
pub type Write = Action<(), Said>;

type Boxed<T> = Pin<Box<dyn Future<Output = T>>>;

type Erased = Rc<dyn Any>;

/// A `LocalResource` of a `T`, kept erased inside: read it inside `Loaded` (a `Transition`) and
/// it suspends like any resource.
pub struct Fetch<T> {
    inner: LocalResource<Erased>,
    value: PhantomData<fn() -> T>,
}

impl<T> Clone for Fetch<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Fetch<T> {}

impl<T: Clone + 'static> Fetch<T> {
    /// The value, `None` until the first answer (tracked).
    pub fn get(self) -> Option<T> {
        self.inner.get().and_then(|value| value.downcast_ref::<T>().cloned())
    }

    /// Fetch again; the old value stays until the new one is in.
    pub fn refetch(self) {
        self.inner.refetch();
    }
}

/// A resource that follows the signals `fetch` reads before its future starts.
pub fn load<T, Fut>(fetch: impl Fn() -> Fut + 'static) -> Fetch<T>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    let erased = move || {
        let future = fetch();
        Box::pin(async move { Rc::new(future.await) as Erased }) as Boxed<Erased>
    };
    Fetch { inner: load_boxed(Rc::new(erased)), value: PhantomData }
}

fn load_boxed(fetch: Rc<dyn Fn() -> Boxed<Erased>>) -> LocalResource<Erased> {
    LocalResource::new(move || fetch())
}

/// A write that runs `run` on every dispatch; `run` is called at once, inside the event that
/// dispatched it, so it may read the form and open windows.
pub fn write<Fut>(run: impl Fn() -> Fut + 'static) -> Write
where
    Fut: Future<Output = Said> + 'static,
{
    write_boxed(Rc::new(move || Box::pin(run()) as Boxed<Said>))
}

fn write_boxed(run: Rc<dyn Fn() -> Boxed<Said>>) -> Write {
    Action::new_local(move |()| run())
}
