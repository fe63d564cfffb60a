//! Syntax only: what Postfix reads and what it skips, with spans. No decisions about problems.

pub mod aliases;
pub mod assign;
pub mod list;
pub mod logical;
pub mod master;
pub mod placeholder;
pub mod postmap;
pub mod table_ref;
