//! The storage story, run on every backend: SQLite in a temporary directory
//! always, and PostgreSQL when `SETTLE_TEST_PG_URL` names a server (CI sets
//! it; without it the PostgreSQL runs print that they are skipped).

mod ach;
mod addresses;
mod audit;
mod authorizations;
mod backends;
mod books_out;
mod claim_facts;
mod claim_import;
mod claim_life;
mod claims;
mod concurrency;
mod contacts;
mod customer_paper;
mod denials;
mod distribution;
mod dunning;
mod follow_up;
mod gate_properties;
mod gate_verify;
mod limits;
mod lost_commit;
mod migrations;
mod names;
mod properties;
mod remit_suspense;
mod replica;
mod statements;
mod story;
mod worklists;
