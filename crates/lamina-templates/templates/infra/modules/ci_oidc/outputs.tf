output "oidc_provider_arn" {
  description = "GitHub's OIDC provider in this account."
  value       = local.provider_arn
}

output "deploy_role_arns" {
  description = "Map of stage to the role its deploy job assumes (GitHub environment <stage>)."
  value       = { for s, r in aws_iam_role.deploy : s => r.arn }
}

output "plan_role_arns" {
  description = "Map of stage to the read-only role pull requests plan with."
  value       = { for s, r in aws_iam_role.plan : s => r.arn }
}

output "function_permissions_boundaries" {
  description = "Map of stage to the permissions boundary its functions' roles must carry: set it as function_permissions_boundary in infra/terraform/<stage>/ci.auto.tfvars."
  value       = { for s, p in aws_iam_policy.boundary : s => p.arn }
}
