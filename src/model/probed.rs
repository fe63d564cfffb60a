//! What `--probe` learnt from the databases: for each SQL table, the keys postlint asked and
//! the answer Postfix would make of the rows, and the problems met on the way. Lookups
//! (tables.rs) answer a probed key from here; every other key of such a table stays unknown.
//! The probing itself is src/probe/; this module only holds its results, so that a build
//! without the database clients has the same model.

use hashbrown::HashMap;

use super::tables::TableId;

/// One key asked of a table.
#[derive(Clone, Debug)]
pub struct ProbedAnswer {
    /// Folded, as Postfix asks it.
    pub key: String,
    /// Postfix's answer (rows joined with commas); None: not found.
    pub value: Option<String>,
    /// How many rows the database returned.
    pub rows: usize,
}

/// The answers of one table.
#[derive(Clone, Debug, Default)]
pub struct ProbedTable {
    index: HashMap<String, u32>,
    pub answers: Vec<ProbedAnswer>,
}

impl ProbedTable {
    pub fn add(&mut self, answer: ProbedAnswer) {
        if self.index.contains_key(&answer.key) {
            return;
        }
        self.index
            .insert(answer.key.clone(), self.answers.len() as u32);
        self.answers.push(answer);
    }

    /// The answer for a folded key, when it was asked.
    pub fn get(&self, folded_key: &str) -> Option<u32> {
        self.index.get(folded_key).copied()
    }

    pub fn answer(&self, i: u32) -> &ProbedAnswer {
        &self.answers[i as usize]
    }

    /// The keys the database answered, with their values.
    pub fn found(&self) -> impl Iterator<Item = (u32, &ProbedAnswer)> {
        self.answers
            .iter()
            .enumerate()
            .filter(|(_, a)| a.value.is_some())
            .map(|(i, a)| (i as u32, a))
    }
}

/// The .cf setting a problem is about.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Setting {
    /// Connecting (hosts, or dbpath for SQLite).
    Connection,
    /// The query (or the settings that build it).
    Query,
}

/// Something that kept postlint from asking, or that the answers show.
#[derive(Clone, Debug)]
pub struct ProbeProblem {
    pub table: TableId,
    pub setting: Setting,
    pub message: String,
    /// A problem Postfix would meet too (an unreachable server, a query error), as opposed to
    /// one of postlint's limits (a time budget).
    pub postfix_fails: bool,
}

/// What one `--probe` run did.
#[derive(Clone, Debug, Default)]
pub struct ProbeReport {
    pub problems: Vec<ProbeProblem>,
    /// Tables left alone, and why (a template, a placeholder, sql-config's errors).
    pub skipped: Vec<(TableId, String)>,
}
