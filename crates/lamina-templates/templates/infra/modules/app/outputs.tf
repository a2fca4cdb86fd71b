output "api_url" {
  description = "Base URL of the HTTP API."
  value       = module.http_api.stage_invoke_url
}

output "api_id" {
  description = "Id of the HTTP API."
  value       = module.http_api.api_id
}

output "user_pool_id" {
  description = "Id of the Cognito user pool."
  value       = module.auth.user_pool_id
}

output "user_pool_client_id" {
  description = "Id of the public SPA app client."
  value       = module.auth.client_id
}

output "issuer" {
  description = "OIDC issuer URL."
  value       = module.auth.issuer
}

output "hosted_ui_domain" {
  description = "Domain of the Cognito hosted UI."
  value       = module.auth.hosted_ui_domain
}

output "cognito_domain_url" {
  description = "Base URL of the hosted UI and OAuth endpoints (https://<prefix>.auth.<region>.amazoncognito.com)."
  value       = module.auth.domain_url
}

output "callback_urls" {
  description = "Callback URLs of the app client: lamina.toml's plus the site's own."
  value       = local.callback_urls
}

output "logout_urls" {
  description = "Logout URLs of the app client: lamina.toml's plus the site's own."
  value       = local.logout_urls
}

output "site_bucket" {
  description = "Name of the bucket the frontend is uploaded to."
  value       = module.static_site.s3_bucket_id
}

output "cloudfront_distribution_id" {
  description = "Id of the CloudFront distribution (for invalidations)."
  value       = module.static_site.cloudfront_distribution_id
}

output "cloudfront_url" {
  description = "HTTPS URL of the frontend."
  value       = module.static_site.url
}

output "function_names" {
  description = "Map of domain to Lambda function name."
  value       = { for d, f in module.function : d => f.lambda_function_name }
}

output "function_versions" {
  description = "Map of domain to the version its live alias serves."
  value       = { for d, f in module.function : d => f.lambda_function_version }
}

output "function_aliases" {
  description = "Map of domain to the ARN of its live alias."
  value       = { for d, f in module.function : d => f.lambda_alias_arn }
}

output "layer_version_arns" {
  description = "Map of layer name to its current version ARN."
  value       = { for l, m in module.layer : l => m.lambda_layer_version_arn }
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic alarms publish to."
  value       = module.observability.sns_topic_arn
}

output "vpc_id" {
  description = "VPC of the domains with vpc = true; empty when there are none."
  value       = module.network.vpc_id
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = module.observability.dashboard_name
}
