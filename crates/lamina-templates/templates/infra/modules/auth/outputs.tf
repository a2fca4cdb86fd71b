output "user_pool_id" {
  description = "Id of the user pool."
  value       = try(aws_cognito_user_pool.this[0].id, "")
}

output "user_pool_arn" {
  description = "ARN of the user pool."
  value       = try(aws_cognito_user_pool.this[0].arn, "")
}

output "issuer" {
  description = "OIDC issuer URL of the user pool."
  value       = local.create ? "https://${aws_cognito_user_pool.this[0].endpoint}" : ""
}

output "client_id" {
  description = "Id of the public SPA app client."
  value       = try(aws_cognito_user_pool_client.this[0].id, "")
}

output "resource_server_identifier" {
  description = "Identifier of the resource server (scope prefix)."
  value       = try(aws_cognito_resource_server.this[0].identifier, "")
}

output "scopes" {
  description = "Full names of the resource server scopes."
  value       = try(aws_cognito_resource_server.this[0].scope_identifiers, [])
}

output "hosted_ui_domain" {
  description = "Domain of the hosted UI (<prefix>.auth.<region>.amazoncognito.com)."
  value       = local.create && var.create_domain ? "${aws_cognito_user_pool_domain.this[0].domain}.auth.${local.region}.amazoncognito.com" : ""
}

output "domain_url" {
  description = "Base URL of the hosted UI and OAuth endpoints (https://<prefix>.auth.<region>.amazoncognito.com)."
  value       = local.create && var.create_domain ? "https://${aws_cognito_user_pool_domain.this[0].domain}.auth.${local.region}.amazoncognito.com" : ""
}

output "group_names" {
  description = "Names of the user groups."
  value       = [for g in aws_cognito_user_group.this : g.name]
}
