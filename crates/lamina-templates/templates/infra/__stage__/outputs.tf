# Read by `lamina deploy` (frontend env, upload, invalidation) via `terraform output -json`.

output "api_url" {
  description = "Base URL of the HTTP API."
  value       = module.app.api_url
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

output "hosted_ui_domain" {
  description = "Domain of the Cognito hosted UI."
  value       = module.app.hosted_ui_domain
}

output "site_bucket" {
  description = "Bucket the frontend build is uploaded to."
  value       = module.app.site_bucket
}

output "cloudfront_distribution_id" {
  description = "Id of the CloudFront distribution."
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

output "alarm_topic_arn" {
  description = "SNS topic alarms publish to."
  value       = module.app.alarm_topic_arn
}
