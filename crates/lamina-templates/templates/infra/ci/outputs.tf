output "oidc_provider_arn" {
  description = "GitHub's OIDC provider in this account."
  value       = module.ci.oidc_provider_arn
}

output "deploy_role_arns" {
  description = "Map of stage to its deploy role (GitHub environment <stage>, on main)."
  value       = module.ci.deploy_role_arns
}

output "plan_role_arns" {
  description = "Map of stage to its read-only plan role (pull requests)."
  value       = module.ci.plan_role_arns
}

output "function_permissions_boundaries" {
  description = "Map of stage to the boundary of its functions' roles: function_permissions_boundary in infra/terraform/<stage>/ci.auto.tfvars."
  value       = module.ci.function_permissions_boundaries
}
