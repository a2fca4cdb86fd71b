output "lambda_layer_arn" {
  description = "ARN of the layer, without version."
  value       = try(aws_lambda_layer_version.this[0].layer_arn, "")
}

output "lambda_layer_version_arn" {
  description = "ARN of this layer version, as functions reference it."
  value       = try(aws_lambda_layer_version.this[0].arn, "")
}

output "lambda_layer_version" {
  description = "Version number of this layer version."
  value       = try(aws_lambda_layer_version.this[0].version, "")
}

output "code_sha256" {
  description = "Sha256 of the layer content as Lambda reports it."
  value       = try(aws_lambda_layer_version.this[0].code_sha256, "")
}
