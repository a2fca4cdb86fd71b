output "parameter_arns" {
  description = "Map of parameter name to parameter ARN."
  value       = local.arns
}

output "env_names" {
  description = "Map of parameter name to the environment variable (LAMINA_SECRET_<NAME>) that carries it."
  value       = local.env_names
}

output "kms_via_service" {
  description = "Value of the kms:ViaService condition under which functions may decrypt their parameters."
  value       = "ssm.${local.region}.amazonaws.com"
}
