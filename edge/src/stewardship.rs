//! `domain::stewardship` applied: who asks, refusals as API errors, and writes that carry the
//! guard the rules ask for.

use domain::stewardship::{Asker, Guard, Refusal};
use worker::{D1Database, D1PreparedStatement};

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::store::{self, users};

/// Who asks, as `domain::stewardship` sees them.
pub fn asker(me: &Principal) -> Asker<'_> {
    Asker { user_id: &me.user_id, is_bot: me.is_bot() }
}

/// A refusal as an API error.
pub fn refused(why: Refusal) -> ApiError {
    let error = ApiError::new(why.code(), why.message());
    match why.field() {
        Some(field) => error.with_field(field),
        None => error,
    }
}

/// Write `batch` with the guard the rules asked for, last, so that it sees every other write of
/// the batch; a failure of the guard is `Refusal::LastAdmin`, any other failure goes to
/// `otherwise`.
pub async fn commit(
    db: &D1Database,
    mut batch: Vec<D1PreparedStatement>,
    guard: Guard,
    otherwise: impl FnOnce(worker::Error) -> ApiError,
) -> ApiResult<()> {
    if guard == Guard::KeepAnActiveAdmin {
        batch.push(users::keep_an_active_admin(db)?);
    }
    match db.batch(batch).await {
        Ok(_) => Ok(()),
        Err(e) if guard == Guard::KeepAnActiveAdmin && store::guard_failed(&e) => Err(refused(Refusal::LastAdmin)),
        Err(e) => Err(otherwise(e)),
    }
}
