# Read by `lamina deploy` (frontend env, upload, invalidation, releases) via `terraform output -json`.

output "api_url" {
  description = "Base URL of the HTTP API."
  value       = module.app.api_url
}

output "api_id" {
  description = "Id of the HTTP API."
  value       = module.app.api_id
}

output "user_pool_id" {
  description = "Id of the Cognito user pool."
  value       = module.app.user_pool_id
}

output "user_pool_client_id" {
  description = "Id of the public SPA app client."
  value       = module.app.user_pool_client_id
}

output "issuer" {
  description = "OIDC issuer URL."
  value       = module.app.issuer
}

output "cognito_domain_url" {
  description = "Base URL of the hosted UI and OAuth endpoints (https://<prefix>.auth.<region>.amazoncognito.com)."
  value       = module.app.cognito_domain_url
}

output "hosted_ui_domain" {
  description = "Domain of the Cognito hosted UI (without scheme)."
  value       = module.app.hosted_ui_domain
}

output "callback_urls" {
  description = "Callback URLs of the app client: lamina.toml's plus the site's own."
  value       = module.app.callback_urls
}

output "logout_urls" {
  description = "Logout URLs of the app client: lamina.toml's plus the site's own."
  value       = module.app.logout_urls
}

output "region" {
  description = "AWS region of the stage."
  value       = var.region
}

output "site_bucket" {
  description = "Bucket the frontend build is uploaded to."
  value       = module.app.site_bucket
}

output "cloudfront_distribution_id" {
  description = "Id of the CloudFront distribution (for invalidations)."
  value       = module.app.cloudfront_distribution_id
}

output "cloudfront_url" {
  description = "HTTPS URL of the frontend."
  value       = module.app.cloudfront_url
}

output "function_names" {
  description = "Map of domain to Lambda function name."
  value       = module.app.function_names
}

output "function_versions" {
  description = "Map of domain to the published version its live alias serves."
  value       = module.app.function_versions
}

output "function_aliases" {
  description = "Map of domain to the ARN of its live alias."
  value       = module.app.function_aliases
}

output "layer_version_arns" {
  description = "Map of layer name to its current version ARN."
  value       = module.app.layer_version_arns
}

output "alarm_topic_arn" {
  description = "SNS topic alarms publish to."
  value       = module.app.alarm_topic_arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = module.app.dashboard_name
}

output "vpc_id" {
  description = "VPC of the domains with vpc = true; empty when there are none."
  value       = module.app.vpc_id
}
