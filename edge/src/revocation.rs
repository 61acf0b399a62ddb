//! After a write that changes who may use what (people, roles, members, invites, keys, a
//! connection's grant or its existence): tell the Durable Objects that hold access in memory,
//! before the write answers, so the very next token call sees the change. Handlers call one of
//! these after their D1 batch committed.

use domain::token::{self, TokenKind};
use worker::{D1Database, Env};

use crate::error::ApiResult;
use crate::store::{access, tokens};
use crate::{gate, vault};

/// These people's access may have changed: reset their keys' gates (keys revoked by the same
/// change included: `since` is when the change began), and delete user tokens nobody may use
/// any more, emptying their vaults.
pub async fn people(env: &Env, db: &D1Database, user_ids: &[String], since: i64) -> ApiResult<()> {
    gate::forget_users(env, db, user_ids, since).await?;
    vault::forget_revoked(env, db).await
}

/// A connection is going away: whoever could use it (read before the delete) loses it, and its
/// vaults forget their tokens (read before the delete too: the rows go by cascade).
pub struct Departure {
    users: Vec<String>,
    token_ids: Vec<String>,
}

impl Departure {
    pub async fn before(db: &D1Database, connection_id: &str) -> ApiResult<Departure> {
        let mut token_ids = tokens::ids_of_connection(db, connection_id).await?;
        let shared = token::token_id(connection_id, TokenKind::Shared, None);
        if !token_ids.contains(&shared) {
            token_ids.push(shared);
        }
        Ok(Departure { users: access::users_of_connection(db, connection_id).await?, token_ids })
    }

    pub async fn after(self, env: &Env, db: &D1Database, since: i64) -> ApiResult<()> {
        for id in &self.token_ids {
            vault::reset(env, id).await?;
        }
        gate::forget_users(env, db, &self.users, since).await
    }
}
