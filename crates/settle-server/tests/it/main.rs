//! The API end to end over real HTTP.
