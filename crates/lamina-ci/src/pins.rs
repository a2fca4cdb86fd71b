//! Every action the workflows use, pinned by commit SHA (a moved tag cannot change what runs),
//! with the release it is. Update them together, from each action's release page.

pub const CHECKOUT: &str = "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0";
pub const SETUP_NODE: &str = "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.4.0";
pub const SETUP_UV: &str = "astral-sh/setup-uv@e92bafb6253dcd438e0484186d7669ea7a8ca1cc # v6.4.3";
pub const SETUP_TERRAFORM: &str =
    "hashicorp/setup-terraform@b9cd54a3c349d3f38e8881555d616ced269862dd # v3.1.2";
pub const CACHE: &str = "actions/cache@5a3ec84eff668545956fd18022155c47e93e2684 # v4.2.3";
pub const PATHS_FILTER: &str =
    "dorny/paths-filter@de90cc6fb38fc0963ad72b210f1f284cd68cea36 # v3.0.2";
pub const AWS_CREDENTIALS: &str =
    "aws-actions/configure-aws-credentials@b47578312673ae6fa5b5096b330d9fbac3d116df # v4.2.1";

pub const ALL: [&str; 7] = [
    CHECKOUT,
    SETUP_NODE,
    SETUP_UV,
    SETUP_TERRAFORM,
    CACHE,
    PATHS_FILTER,
    AWS_CREDENTIALS,
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_pin_is_a_full_sha_with_its_release() {
        for pin in super::ALL {
            let (action, rest) = pin.split_once('@').unwrap();
            let (sha, tag) = rest.split_once(" # v").unwrap();
            assert!(action.contains('/'), "{pin}");
            assert_eq!(sha.len(), 40, "{pin}");
            assert!(
                sha.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
                "{pin}"
            );
            assert!(tag.chars().next().unwrap().is_ascii_digit(), "{pin}");
        }
    }
}
