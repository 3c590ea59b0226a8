//! The notification policy: a pure function from what a pull applied to the notifications a
//! person should get. It lives in desk-domain (`desk_domain::notify`) so that the server
//! decides with the same rules as the app (a chat bridge); re-exported here at the paths the
//! shell and the tests use.

pub use desk_domain::notify::*;
