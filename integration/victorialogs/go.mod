// Build wrapper for VictoriaLogs, used only by integration/scripts/build-services.sh.
// At this release VictoriaLogs lives in the VictoriaMetrics module (app/victoria-logs). Its go.mod carries
// replace directives, which `go install pkg@version` refuses, so this module requires it and repeats them.
module logpush-otel.invalid/integration/victorialogs

go 1.24.3

require github.com/VictoriaMetrics/VictoriaMetrics v1.117.0

replace cloud.google.com/go/storage => cloud.google.com/go/storage v1.43.0

replace github.com/prometheus/common => github.com/prometheus/common v0.62.0

replace (
	github.com/aws/aws-sdk-go-v2 => github.com/aws/aws-sdk-go-v2 v1.32.8
	github.com/aws/aws-sdk-go-v2/config => github.com/aws/aws-sdk-go-v2/config v1.28.11
	github.com/aws/aws-sdk-go-v2/credentials => github.com/aws/aws-sdk-go-v2/credentials v1.17.52
	github.com/aws/aws-sdk-go-v2/feature/s3/manager => github.com/aws/aws-sdk-go-v2/feature/s3/manager v1.17.48
	github.com/aws/aws-sdk-go-v2/service/internal/checksum => github.com/aws/aws-sdk-go-v2/service/internal/checksum v1.4.8
	github.com/aws/aws-sdk-go-v2/service/s3 => github.com/aws/aws-sdk-go-v2/service/s3 v1.72.3
	github.com/aws/aws-sdk-go-v2/service/sso => github.com/aws/aws-sdk-go-v2/service/sso v1.24.9
	github.com/aws/aws-sdk-go-v2/service/ssooidc => github.com/aws/aws-sdk-go-v2/service/ssooidc v1.28.8
	github.com/aws/aws-sdk-go-v2/service/sts => github.com/aws/aws-sdk-go-v2/service/sts v1.33.7
)
