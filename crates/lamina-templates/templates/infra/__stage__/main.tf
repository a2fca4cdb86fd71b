# This stage root is identical in every stage (only backend.tf differs). Everything that
# varies comes from lamina.auto.tfvars.json, written by `lamina deploy`.

locals {
  # The stage is given by lamina; when run by hand without it, the directory name is used.
  stage = var.stage != "" ? var.stage : basename(abspath(path.root))
}

module "app" {
  source = "../modules/app"

  project            = var.project
  stage              = local.stage
  region             = var.region
  python             = var.python
  architecture       = var.architecture
  log_level          = var.log_level
  log_retention_days = var.log_retention_days
  protected          = var.protected
  alarm_email        = var.alarm_email
  cors_origins       = var.cors_origins
  artifact_bucket    = var.artifact_bucket
  layers             = var.layers
  domains            = var.domains
  routes             = var.routes
  auth               = var.auth
  network            = var.network

  function_permissions_boundary = var.function_permissions_boundary
}
