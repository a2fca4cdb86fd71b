//! The two workflows, as text: `ci.yml` for pull requests, `deploy.yml` for main. Each has a
//! header written once (name, triggers, permissions: the user's from then on) and two marked
//! blocks regenerated from lamina.toml: `env` and `jobs`.
//!
//! Written by hand rather than through a YAML library so that the output reads like a workflow
//! a person wrote: comments where a choice needs a reason, and a stable order.

use std::fmt::Write as _;

use crate::blocks::{close_line, open_line};
use crate::pins;
use crate::project::{CiProject, CiStage};

pub const TERRAFORM_VERSION: &str = "1.11.4";
pub const NODE_VERSION: &str = "22";

/// Where `lamina` comes from in CI: built once per version, then cached.
const LAMINA_GIT: &str = "https://github.com/lamina-dev/lamina";

fn env_block(p: &CiProject) -> String {
    let mut s = String::new();
    s.push_str(&open_line(0, "env"));
    s.push('\n');
    let _ = writeln!(
        s,
        "env:\n  PYTHON_VERSION: \"{}\"\n  NODE_VERSION: \"{NODE_VERSION}\"\n  TERRAFORM_VERSION: \"{TERRAFORM_VERSION}\"\n  LAMINA_VERSION: \"{}\"\n  AWS_REGION: {}\n  NO_COLOR: \"1\"",
        p.python, p.lamina_version, p.region
    );
    s.push_str(&close_line(0, "env"));
    s.push('\n');
    s
}

fn checkout() -> String {
    format!(
        "      - uses: {}\n        with:\n          persist-credentials: false\n",
        pins::CHECKOUT
    )
}

fn setup_uv() -> String {
    format!(
        "      - uses: {}\n        with:\n          python-version: ${{{{ env.PYTHON_VERSION }}}}\n          enable-cache: true\n          cache-dependency-glob: |\n            backend/**/requirements*.txt\n            backend/**/uv.lock\n",
        pins::SETUP_UV
    )
}

fn setup_node(frontend: &str) -> String {
    format!(
        "      - uses: {}\n        with:\n          node-version: ${{{{ env.NODE_VERSION }}}}\n          cache: npm\n          cache-dependency-path: {frontend}/package-lock.json\n",
        pins::SETUP_NODE
    )
}

fn setup_terraform() -> String {
    format!(
        "      - uses: {}\n        with:\n          terraform_version: ${{{{ env.TERRAFORM_VERSION }}}}\n          terraform_wrapper: false\n      - name: Terraform provider cache\n        run: |\n          mkdir -p \"$HOME/.terraform.d/plugin-cache\"\n          echo \"TF_PLUGIN_CACHE_DIR=$HOME/.terraform.d/plugin-cache\" >> \"$GITHUB_ENV\"\n      - uses: {}\n        with:\n          path: ~/.terraform.d/plugin-cache\n          key: terraform-${{{{ runner.os }}}}-${{{{ hashFiles('infra/terraform/**/.terraform.lock.hcl', 'infra/terraform/**/versions.tf') }}}}\n          restore-keys: terraform-${{{{ runner.os }}}}-\n",
        pins::SETUP_TERRAFORM,
        pins::CACHE
    )
}

/// `lamina` itself (cached per version) and its build caches: the project's (`.lamina/cache`:
/// zipped layers and functions by input hash, so an unchanged layer is never rebuilt) and the
/// per-user one (`~/.cache/lamina/build`: each wheel installed, slimmed and compiled once, so a
/// changed lock rebuilds only the packages it changed). Lamina prunes the latter to its cap.
fn setup_lamina() -> String {
    format!(
        "      - name: Lamina (cached per version)\n        id: lamina-bin\n        uses: {cache}\n        with:\n          path: ~/.cargo/bin/lamina\n          key: lamina-bin-${{{{ runner.os }}}}-${{{{ env.LAMINA_VERSION }}}}\n      - name: Install lamina\n        if: steps.lamina-bin.outputs.cache-hit != 'true'\n        run: cargo install --locked --git {LAMINA_GIT} --tag \"v${{LAMINA_VERSION}}\" lamina\n      - name: Lamina's build cache\n        uses: {cache}\n        with:\n          path: |\n            .lamina/cache\n            ~/.cache/lamina/build\n          key: lamina-build-${{{{ runner.os }}}}-${{{{ env.PYTHON_VERSION }}}}-${{{{ hashFiles('lamina.toml', 'backend/**/requirements*.txt', 'backend/**/*.lock', 'backend/**/*.py') }}}}\n          restore-keys: lamina-build-${{{{ runner.os }}}}-${{{{ env.PYTHON_VERSION }}}}-\n",
        cache = pins::CACHE
    )
}

fn aws_credentials(role: &str, kind: &str) -> String {
    format!(
        "      - name: AWS credentials (OIDC, no stored keys)\n        uses: {}\n        with:\n          role-to-assume: {role}\n          role-session-name: lamina-{kind}-${{{{ github.run_id }}}}\n          aws-region: ${{{{ env.AWS_REGION }}}}\n",
        pins::AWS_CREDENTIALS
    )
}

/// `  id:`, its name, and what it waits for.
fn job_head(id: &str, name: &str, needs: Option<&str>, condition: Option<&str>) -> String {
    let mut s = format!("  {id}:\n    name: {name}\n");
    if let Some(needs) = needs {
        let _ = writeln!(s, "    needs: {needs}");
    }
    if let Some(cond) = condition {
        let _ = writeln!(s, "    if: {cond}");
    }
    s
}

/// Every requirements file a unit's tests need: the dev requirements (which include the
/// dependency layer) and the unit's own.
fn backend_job(
    p: &CiProject,
    matrix: &str,
    condition: Option<&str>,
    needs: Option<&str>,
) -> String {
    let mut s = job_head(
        "backend",
        "backend (${{ matrix.unit.name }})",
        needs,
        condition,
    );
    let _ = writeln!(
        s,
        "    runs-on: ubuntu-latest\n    timeout-minutes: 15\n    permissions:\n      contents: read\n    strategy:\n      fail-fast: false\n      matrix:\n        unit: {matrix}\n    env:\n      UNIT_DIR: ${{{{ matrix.unit.dir }}}}\n    steps:"
    );
    s.push_str(&checkout());
    s.push_str(&setup_uv());
    let layer_reqs: Vec<&str> = p
        .shared
        .iter()
        .filter(|f| f.ends_with(".txt") && !f.ends_with("requirements-dev.txt"))
        .map(String::as_str)
        .collect();
    let mut install = String::from("          uv venv\n");
    if p.shared.iter().any(|f| f == "backend/requirements-dev.txt") {
        install.push_str("          uv pip install -r backend/requirements-dev.txt\n");
    }
    for req in layer_reqs {
        let _ = writeln!(install, "          uv pip install -r {req}");
    }
    install.push_str("          if [ -f \"$UNIT_DIR/requirements.txt\" ]; then uv pip install -r \"$UNIT_DIR/requirements.txt\"; fi\n          echo \"$PWD/.venv/bin\" >> \"$GITHUB_PATH\"\n");
    let _ = write!(
        s,
        "      - name: Requirements\n        run: |\n{install}      - name: ruff check\n        run: ruff check --output-format=github \"$UNIT_DIR\"\n      - name: ruff format --check\n        run: ruff format --check --diff \"$UNIT_DIR\"\n      - name: pytest\n        working-directory: ${{{{ matrix.unit.dir }}}}\n        run: pytest\n"
    );
    s
}

fn frontend_job(frontend: &str, condition: Option<&str>, needs: Option<&str>) -> String {
    let mut s = job_head("frontend", "frontend", needs, condition);
    let _ = writeln!(
        s,
        "    runs-on: ubuntu-latest\n    timeout-minutes: 15\n    permissions:\n      contents: read\n    defaults:\n      run:\n        working-directory: {frontend}\n    steps:"
    );
    s.push_str(&checkout());
    s.push_str(&setup_node(frontend));
    s.push_str("      - run: npm ci --no-audit --no-fund\n      - name: Type-check\n        run: npm run typecheck\n      - name: Tests\n        run: npm test\n      - name: Build\n        run: npm run build\n");
    s
}

fn terraform_job(condition: Option<&str>, needs: Option<&str>) -> String {
    let mut s = job_head("terraform", "terraform", needs, condition);
    s.push_str("    runs-on: ubuntu-latest\n    timeout-minutes: 15\n    permissions:\n      contents: read\n    steps:\n");
    s.push_str(&checkout());
    s.push_str(&setup_terraform());
    s.push_str(
        "      - name: terraform fmt -check\n        run: terraform fmt -check -recursive -diff infra/terraform\n      # Every root (each stage, and ci/) is validated without its backend.\n      - name: terraform validate\n        run: |\n          status=0\n          for dir in infra/terraform/*/; do\n            [ \"$dir\" = infra/terraform/modules/ ] && continue\n            ls \"$dir\"*.tf >/dev/null 2>&1 || continue\n            echo \"::group::${dir}\"\n            if terraform -chdir=\"$dir\" init -backend=false -input=false -no-color &&\n              terraform -chdir=\"$dir\" validate -no-color; then\n              echo \"::endgroup::\"\n            else\n              echo \"::endgroup::\"\n              echo \"::error::terraform validate failed in ${dir}\"\n              status=1\n            fi\n          done\n          exit \"$status\"\n",
    );
    s
}

fn units_json(p: &CiProject) -> String {
    let items: Vec<String> = p
        .units
        .iter()
        .map(|u| format!("{{\"name\":\"{}\",\"dir\":\"{}\"}}", u.name, u.dir))
        .collect();
    format!("[{}]", items.join(","))
}

fn stage_job_name(stage: &str) -> String {
    format!("deploy-{stage}")
}

/// `ci.yml`: what a pull request changes is linted, tested, validated and planned.
pub fn ci_workflow(p: &CiProject) -> String {
    let mut s = String::from(
        "# Pull requests: lint and test the domains a change touches (all of them when shared code, a\n# layer or lamina.toml changed), the frontend, the Terraform, and `lamina plan` for every stage\n# with its summary on the run's page. The blocks marked `lamina:` are rewritten by\n# `lamina ci github` from lamina.toml; everything else here is yours.\nname: ci\n\non:\n  pull_request:\n\npermissions:\n  contents: read\n\nconcurrency:\n  group: ci-${{ github.event.pull_request.number || github.ref }}\n  cancel-in-progress: true\n\n",
    );
    s.push_str(&env_block(p));
    s.push_str("\njobs:\n");
    s.push_str(&open_line(2, "jobs"));
    s.push('\n');
    // Path filters: one per unit, each with the shared paths.
    let mut filters = String::from("            shared: &shared\n");
    for f in &p.shared {
        let _ = writeln!(filters, "              - '{f}'");
    }
    let _ = writeln!(filters, "              - '.github/workflows/ci.yml'");
    for u in &p.units {
        let _ = writeln!(
            filters,
            "            unit-{}:\n              - *shared\n              - '{}/**'",
            u.name, u.dir
        );
    }
    if let Some(f) = &p.frontend {
        let _ = writeln!(
            filters,
            "            frontend:\n              - '{f}/**'\n              - '.github/workflows/ci.yml'"
        );
    }
    let _ = writeln!(
        filters,
        "            infra:\n              - 'infra/terraform/**'\n              - 'lamina.toml'\n              - '.github/workflows/ci.yml'"
    );
    let units = units_json(p).replace('\'', "");
    let _ = write!(
        s,
        "  changes:\n    name: changes\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    permissions:\n      contents: read\n      pull-requests: read # paths-filter lists the pull request's files\n    outputs:\n      units: ${{{{ steps.units.outputs.units }}}}\n      frontend: ${{{{ steps.filter.outputs.frontend || 'false' }}}}\n      infra: ${{{{ steps.filter.outputs.infra }}}}\n    steps:\n{checkout}      - uses: {filter}\n        id: filter\n        with:\n          filters: |\n{filters}      - name: Units to test\n        id: units\n        env:\n          CHANGES: ${{{{ steps.filter.outputs.changes }}}}\n          UNITS: '{units}'\n        run: |\n          selected=\"$(jq -nc --argjson units \"$UNITS\" --argjson changes \"$CHANGES\" '[$units[] | select((\"unit-\" + .name) as $k | $changes | index($k))]')\"\n          echo \"Units to test: $selected\"\n          echo \"units=$selected\" >> \"$GITHUB_OUTPUT\"\n\n",
        checkout = checkout(),
        filter = pins::PATHS_FILTER,
    );
    s.push_str(&backend_job(
        p,
        "${{ fromJSON(needs.changes.outputs.units) }}",
        Some("needs.changes.outputs.units != '[]'"),
        Some("changes"),
    ));
    s.push('\n');
    if let Some(f) = &p.frontend {
        s.push_str(&frontend_job(
            f,
            Some("needs.changes.outputs.frontend == 'true'"),
            Some("changes"),
        ));
        s.push('\n');
    }
    s.push_str(&terraform_job(
        Some("needs.changes.outputs.infra == 'true'"),
        Some("changes"),
    ));
    s.push('\n');
    // Plans need AWS: the read-only plan role of each stage. Pull requests from forks get no
    // OIDC token, so they are not planned.
    let _ = write!(
        s,
        "  plan:\n    name: plan (${{{{ matrix.stage }}}})\n    needs: [changes, terraform]\n    if: >-\n      always() && github.event.pull_request.head.repo.full_name == github.repository &&\n      needs.changes.result == 'success' && needs.terraform.result != 'failure' && needs.terraform.result != 'cancelled'\n    runs-on: ubuntu-latest\n    timeout-minutes: 30\n    permissions:\n      contents: read\n      id-token: write # the OIDC token AWS exchanges for the stage's plan role\n    strategy:\n      fail-fast: false\n      matrix:\n        include:\n"
    );
    for stage in &p.stages {
        let _ = writeln!(
            s,
            "          - stage: {}\n            role: {}",
            stage.name,
            p.role_arn(stage, "plan")
        );
    }
    s.push_str("    env:\n      STAGE: ${{ matrix.stage }}\n    steps:\n");
    s.push_str(&checkout());
    s.push_str(&setup_uv());
    s.push_str(&setup_terraform());
    s.push_str(&setup_lamina());
    s.push_str(&aws_credentials("${{ matrix.role }}", "plan"));
    s.push_str("      - name: lamina plan\n        run: |\n          set -o pipefail\n          lamina plan --stage \"$STAGE\" --locked 2>&1 | tee plan.txt\n      - name: Plan summary\n        if: always()\n        run: |\n          {\n            echo \"### \\`lamina plan --stage $STAGE\\`\"\n            echo '```'\n            cat plan.txt 2>/dev/null || echo 'no plan: see the log'\n            echo '```'\n          } >> \"$GITHUB_STEP_SUMMARY\"\n\n");
    let mut needs = vec!["changes", "backend"];
    if p.frontend.is_some() {
        needs.push("frontend");
    }
    needs.extend(["terraform", "plan"]);
    let _ = write!(
        s,
        "  # The one check to require in branch protection: skipped jobs pass, failed or cancelled\n  # ones do not.\n  ci-ok:\n    name: ci-ok\n    if: always()\n    needs: [{}]\n    runs-on: ubuntu-latest\n    timeout-minutes: 2\n    permissions: {{}}\n    steps:\n      - name: Every job passed or was skipped\n        env:\n          FAILED: ${{{{ contains(needs.*.result, 'failure') || contains(needs.*.result, 'cancelled') }}}}\n        run: '[ \"$FAILED\" != true ]'\n",
        needs.join(", ")
    );
    s.push_str(&close_line(2, "jobs"));
    s.push('\n');
    s
}

/// `deploy.yml`: on main, every test first, then each stage in order; protected stages wait
/// for their GitHub environment's required reviewers.
pub fn deploy_workflow(p: &CiProject) -> String {
    let mut s = String::from(
        "# Main: every test, then deploy each stage in order (dev, then staging, ...). Protected stages\n# deploy through a GitHub environment of the same name: give it required reviewers (Settings >\n# Environments) and the deploy waits for one. AWS access is OIDC, one role per stage (the\n# Terraform in infra/terraform/ci). The blocks marked `lamina:` are rewritten by\n# `lamina ci github`; everything else here is yours.\nname: deploy\n\non:\n  push:\n    branches: [main]\n  workflow_dispatch:\n\npermissions:\n  contents: read\n\n# One deploy at a time, and never cancelled halfway through an apply.\nconcurrency:\n  group: deploy-${{ github.ref }}\n  cancel-in-progress: false\n\n",
    );
    s.push_str(&env_block(p));
    s.push_str("\njobs:\n");
    s.push_str(&open_line(2, "jobs"));
    s.push('\n');
    let units: Vec<String> = p
        .units
        .iter()
        .map(|u| format!("\n          - name: {}\n            dir: {}", u.name, u.dir))
        .collect();
    s.push_str(&backend_job(p, &units.concat(), None, None));
    s.push('\n');
    let mut tests = vec!["backend"];
    if let Some(f) = &p.frontend {
        s.push_str(&frontend_job(f, None, None));
        s.push('\n');
        tests.push("frontend");
    }
    s.push_str(&terraform_job(None, None));
    tests.push("terraform");
    let mut previous: Option<String> = None;
    for stage in &p.stages {
        s.push('\n');
        let needs = match &previous {
            None => format!("[{}]", tests.join(", ")),
            Some(prev) => format!("[{prev}]"),
        };
        s.push_str(&deploy_job(p, stage, &needs));
        previous = Some(stage_job_name(&stage.name));
    }
    s.push_str(&close_line(2, "jobs"));
    s.push('\n');
    s
}

fn deploy_job(p: &CiProject, stage: &CiStage, needs: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "  {job}:\n    name: deploy ({name})\n    needs: {needs}\n    runs-on: ubuntu-latest\n    timeout-minutes: 60\n    environment: {name}{note}\n    permissions:\n      contents: read\n      id-token: write # the OIDC token AWS exchanges for the stage's deploy role\n    env:\n      STAGE: {name}\n    steps:",
        job = stage_job_name(&stage.name),
        name = stage.name,
        note = if stage.protected {
            " # protected: give this environment required reviewers"
        } else {
            ""
        },
    );
    s.push_str(&checkout());
    s.push_str(&setup_uv());
    if let Some(f) = &p.frontend {
        s.push_str(&setup_node(f));
    }
    s.push_str(&setup_terraform());
    s.push_str(&setup_lamina());
    s.push_str(&aws_credentials(&p.role_arn(stage, "deploy"), "deploy"));
    s.push_str("      - name: lamina deploy\n        run: |\n          set -o pipefail\n          lamina deploy --stage \"$STAGE\" --yes --locked 2>&1 | tee deploy.txt\n      - name: Deploy summary\n        if: always()\n        run: |\n          {\n            echo \"### \\`lamina deploy --stage $STAGE\\`\"\n            echo '```'\n            cat deploy.txt 2>/dev/null || echo 'no output: see the log'\n            echo '```'\n          } >> \"$GITHUB_STEP_SUMMARY\"\n");
    s
}
