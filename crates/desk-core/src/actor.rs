//! Who acts, and through which channel: what every service takes first.

use desk_domain::{Channel, Role, User};
use uuid::Uuid;

/// Who is looking or acting: what scoping reads and checking writes needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: Uuid,
    pub role: Role,
    pub organization_id: Option<Uuid>,
}

impl Viewer {
    pub fn of(user: &User) -> Self {
        Self {
            user_id: user.id,
            role: user.role,
            organization_id: user.organization_id,
        }
    }

    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }

    /// Whether this viewer may see what belongs to organisation `org`.
    pub fn sees_org(&self, org: Uuid) -> bool {
        self.is_staff() || self.organization_id == Some(org)
    }

    /// Fails unless the viewer is support staff.
    pub fn require_staff(&self) -> crate::Result<()> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(crate::Error::staff_only())
        }
    }
}

/// Someone acting through a channel (the app, Telegram, the system itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub viewer: Viewer,
    pub channel: Channel,
}

impl Actor {
    pub fn new(viewer: Viewer, channel: Channel) -> Self {
        Self { viewer, channel }
    }

    /// Acting from the desktop app.
    pub fn app(viewer: Viewer) -> Self {
        Self::new(viewer, Channel::App)
    }
}

impl std::ops::Deref for Actor {
    type Target = Viewer;

    fn deref(&self) -> &Viewer {
        &self.viewer
    }
}
