# The whole stage, wired from lamina's variables (contracts.md section 2).
# Everything is driven by for_each over var.layers, var.domains and var.routes, so adding
# a domain, a layer or a route changes lamina.auto.tfvars.json and never a .tf file.

locals {
  name = "${var.project}-${var.stage}"

  # Environment per contracts.md section 1; a domain's `env` (from lamina.toml) is merged last.
  # A domain's route prefix: given in its env as LAMINA_ROUTE_PREFIX, else the first path
  # segment of its first route ("ANY /user/{proxy+}" -> "/user"), else "/<domain>".
  route_prefixes = {
    for d, _ in var.domains : d => try(
      [for key, r in var.routes : "/${split("/", split(" ", key)[1])[1]}" if r.domain == d][0],
      "/${d}",
    )
  }

  all_secrets = distinct(flatten([for d in values(var.domains) : d.secrets]))

  vpc_domains = toset([for d, cfg in var.domains : d if cfg.vpc])

  # The deployed frontend signs in too: its own CloudFront URL is added to the stage's
  # callback and logout URLs from lamina.toml (which for dev are localhost only). The
  # distribution does not depend on the client, so there is no cycle.
  site_url      = "https://${module.static_site.cloudfront_distribution_domain_name}"
  callback_urls = sort(distinct(concat(var.auth.callback_urls, ["${local.site_url}/auth/callback"])))
  logout_urls   = sort(distinct(concat(var.auth.logout_urls, ["${local.site_url}/"])))
}

################################################################################
# Secrets: names only, values are set with `lamina secret set`
################################################################################

module "secrets" {
  source = "../secrets"

  region          = var.region
  parameter_names = local.all_secrets
}

################################################################################
# Network: only when a domain runs in a VPC (e.g. to reach RDS)
################################################################################

module "network" {
  source = "../network"

  create              = length(local.vpc_domains) > 0
  region              = var.region
  name                = local.name
  vpc_id              = var.network.vpc_id
  subnet_ids          = var.network.subnet_ids
  cidr                = var.network.cidr
  az_count            = var.network.az_count
  interface_endpoints = var.network.interface_endpoints
  gateway_endpoints   = var.network.gateway_endpoints
  security_groups     = local.vpc_domains

  tags = var.tags
}

################################################################################
# Auth: Cognito user pool, resource server, SPA client, hosted UI domain
################################################################################

module "auth" {
  source = "../auth"

  region                     = var.region
  name                       = local.name
  deletion_protection        = var.protected
  groups                     = var.auth.groups
  resource_server_identifier = var.project
  scopes                     = var.auth.scopes
  callback_urls              = local.callback_urls
  logout_urls                = local.logout_urls
  access_token_minutes       = var.auth.access_token_minutes
  id_token_minutes           = var.auth.id_token_minutes
  refresh_token_days         = var.auth.refresh_token_days
  refresh_token_rotation     = var.auth.refresh_token_rotation

  tags = var.tags
}

################################################################################
# Layers
################################################################################

module "layer" {
  source   = "../python_layer"
  for_each = var.layers

  layer_name               = "${local.name}-${each.key}"
  description              = "${each.key} layer of ${local.name}"
  s3_bucket                = var.artifact_bucket
  s3_key                   = each.value.s3_key
  source_code_hash         = each.value.sha256_b64
  compatible_runtimes      = [var.python]
  compatible_architectures = [var.architecture]
}

################################################################################
# One function per domain
################################################################################

module "function" {
  source   = "../domain_function"
  for_each = var.domains

  region           = var.region
  function_name    = "${local.name}-${each.key}"
  description      = "${each.key} domain of ${local.name}"
  s3_bucket        = var.artifact_bucket
  s3_key           = each.value.s3_key
  source_code_hash = each.value.sha256_b64
  handler          = each.value.handler
  runtime          = var.python
  architecture     = var.architecture
  memory_size      = each.value.memory
  timeout          = each.value.timeout
  layers           = [for l in each.value.layers : module.layer[l].lambda_layer_version_arn]

  reserved_concurrent_executions    = each.value.reserved_concurrency
  provisioned_concurrent_executions = each.value.provisioned_concurrency
  snap_start                        = each.value.snap_start

  vpc_subnet_ids         = each.value.vpc ? module.network.subnet_ids : []
  vpc_security_group_ids = each.value.vpc ? [module.network.security_group_ids[each.key]] : []

  environment_variables = merge(
    {
      POWERTOOLS_SERVICE_NAME      = each.key
      POWERTOOLS_METRICS_NAMESPACE = var.project
      POWERTOOLS_LOG_LEVEL         = var.log_level
      LAMINA_PROJECT               = var.project
      LAMINA_STAGE                 = var.stage
      LAMINA_ROUTE_PREFIX          = local.route_prefixes[each.key]
      LAMINA_JWT_ISSUER            = module.auth.issuer
      LAMINA_JWT_AUDIENCE          = module.auth.client_id
      LAMINA_JWT_LEEWAY_SECONDS    = "60"
      LAMINA_JWT_TOKEN_USE         = "access"
    },
    { for s in each.value.secrets : module.secrets.env_names[s] => s },
    each.value.env,
  )

  ssm_parameter_arns = [for s in each.value.secrets : module.secrets.parameter_arns[s]]
  policy_statements  = each.value.iam_statements

  cloudwatch_logs_retention_in_days = var.log_retention_days
  role_permissions_boundary         = var.function_permissions_boundary

  tags = merge(var.tags, { domain = each.key })
}

################################################################################
# HTTP API: one integration per domain, routes from var.routes
################################################################################

module "http_api" {
  source = "../http_api"

  name         = local.name
  description  = "HTTP API of ${local.name}"
  cors_origins = var.cors_origins

  jwt_issuer   = module.auth.issuer
  jwt_audience = [module.auth.client_id]

  integrations = {
    for d, f in module.function : d => {
      function_name = f.lambda_function_name
      lambda_arn    = f.lambda_alias_arn
      qualifier     = f.lambda_alias_name
    }
  }

  routes = {
    for key, r in var.routes : key => {
      integration          = r.domain
      authorization_type   = r.auth
      authorization_scopes = r.scopes
    }
  }

  throttling_burst_limit            = var.throttling_burst_limit
  throttling_rate_limit             = var.throttling_rate_limit
  cloudwatch_logs_retention_in_days = var.log_retention_days

  tags = var.tags
}

################################################################################
# Frontend: private S3 bucket behind CloudFront
################################################################################

module "static_site" {
  source = "../static_site"

  name                           = local.name
  force_destroy                  = !var.protected
  price_class                    = var.price_class
  create_response_headers_policy = var.create_response_headers_policy
  content_security_policy        = var.content_security_policy
  wait_for_deployment            = var.wait_for_deployment

  tags = var.tags
}

################################################################################
# Observability: dashboard, alarms, SNS
################################################################################

module "observability" {
  source = "../observability"

  region         = var.region
  name           = local.name
  function_names = { for d, f in module.function : d => f.lambda_function_name }
  api_id         = module.http_api.api_id
  alarm_email    = var.alarm_email

  tags = var.tags
}
