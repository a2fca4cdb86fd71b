output "api_id" {
  description = "Id of the HTTP API."
  value       = try(aws_apigatewayv2_api.this[0].id, "")
}

output "api_endpoint" {
  description = "Endpoint of the HTTP API."
  value       = try(aws_apigatewayv2_api.this[0].api_endpoint, "")
}

output "api_execution_arn" {
  description = "Execution ARN of the HTTP API."
  value       = try(aws_apigatewayv2_api.this[0].execution_arn, "")
}

output "stage_invoke_url" {
  description = "Invoke URL of the $default stage."
  value       = try(aws_apigatewayv2_stage.this[0].invoke_url, "")
}

output "authorizer_id" {
  description = "Id of the JWT authorizer."
  value       = try(aws_apigatewayv2_authorizer.jwt[0].id, "")
}

output "integrations" {
  description = "Map of integration key to integration id."
  value       = { for k, v in aws_apigatewayv2_integration.this : k => v.id }
}

output "routes" {
  description = "Map of route key to route id."
  value       = { for k, v in aws_apigatewayv2_route.this : k => v.id }
}

output "access_log_group_name" {
  description = "Name of the access log group."
  value       = try(aws_cloudwatch_log_group.access[0].name, "")
}
