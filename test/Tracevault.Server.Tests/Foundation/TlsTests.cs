using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Foundation;

/// <summary>HTTPS on the main port (<c>--tls-cert</c>/<c>--tls-key</c>), the AWS CLI and JS SDK trusting a private CA, the console in Chromium with its <c>__Host-</c> cookie, and no plain HTTP off loopback.</summary>
public sealed partial class TlsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Https_ServesTheAwsCliAndJsSdk_WithTheCaBundle()
    {
        var (caPath, certPath, keyPath) = WriteCertificates();
        await using var server = await StartTlsAsync(certPath, keyPath);
        Assert.StartsWith("https://127.0.0.1:", server.Endpoint, StringComparison.Ordinal);

        var environment = server.ClientEnvironment();
        var created = await AwsCli.RunAsync(server.Endpoint, environment, "--ca-bundle", caPath, "kms", "create-key", "--description", "over-tls");
        Assert.True(created.ExitCode == 0, created.Output);
        var keyId = JsonDocument.Parse(created.StandardOutput).RootElement.GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!;
        var dataKey = await AwsCli.RunAsync(server.Endpoint, environment, "--ca-bundle", caPath, "kms", "generate-data-key", "--key-id", keyId, "--key-spec", "AES_256");
        Assert.True(dataKey.ExitCode == 0, dataKey.Output);
        var xray = await AwsCli.RunAsync(server.Endpoint, environment, "--ca-bundle", caPath, "xray", "get-encryption-config");
        Assert.True(xray.ExitCode == 0, xray.Output);

        // Without the CA the CLI refuses the certificate: the test really goes through TLS verification.
        var untrusted = await AwsCli.RunAsync(server.Endpoint, environment, "kms", "list-keys");
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.Contains("SSL", untrusted.Output, StringComparison.OrdinalIgnoreCase);

        environment["NODE_EXTRA_CA_CERTS"] = caPath;
        await NodeClients.RunTestScriptAsync("tls.test.mjs", environment, output);
    }

    [Fact]
    public async Task Https_ConsoleCookies_AreHostPrefixedAndSecure()
    {
        var (caPath, certPath, keyPath) = WriteCertificates();
        await using var server = await StartTlsAsync(certPath, keyPath);
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caPath));
        using var handler = new HttpClientHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(certificate);
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(server.Endpoint) };

        using var form = await http.GetAsync("/console/signin");
        var signInCookie = Assert.Single(form.Headers.GetValues("Set-Cookie"));
        AssertHostCookie(signInCookie, "__Host-tracevault_signin=");
        var csrf = CsrfField().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;

        using var post = new HttpRequestMessage(HttpMethod.Post, "/console/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["csrf"] = csrf,
                ["accessKeyId"] = server.AdminAccessKeyId,
                ["secretAccessKey"] = server.AdminSecret,
            }),
        };
        post.Headers.Add("Cookie", signInCookie[..signInCookie.IndexOf(';', StringComparison.Ordinal)]);
        using var signedIn = await http.SendAsync(post);

        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        var session = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-tracevault_session=", StringComparison.Ordinal));
        AssertHostCookie(session, "__Host-tracevault_session=");

        using var page = new HttpRequestMessage(HttpMethod.Get, "/console/traces");
        page.Headers.Add("Cookie", session[..session.IndexOf(';', StringComparison.Ordinal)]);
        using var traces = await http.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, traces.StatusCode);
    }

    [Fact]
    public async Task Https_ConsoleInChromium_SignsInAndKeepsAHostPrefixedSecureCookie()
    {
        var (_, certPath, keyPath) = WriteCertificates();
        await using var server = await StartTlsAsync(certPath, keyPath);
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certPath));

        var environment = server.ClientEnvironment();
        // Chromium trusts this one public key (--ignore-certificate-errors-spki-list), not every certificate.
        environment["TLS_SPKI_SHA256"] = Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
        await NodeClients.RunTestScriptAsync("console-tls.test.mjs", environment, output);

        Assert.DoesNotContain(server.Logs.Lines, line => line.Contains(server.AdminSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_OffLoopbackWithoutTls_RefusesToStart()
    {
        var result = await ServerProcess.RunCommandAsync("serve", "--data", Path.Combine(_directory, "data"), "--listen", "0.0.0.0:0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Refusing to serve plain HTTP on 0.0.0.0:0", result.Output, StringComparison.Ordinal);
        Assert.Contains("--insecure-http", result.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_directory, "data")), "nothing was created");
    }

    [Fact]
    public async Task InsecureHttp_OffLoopback_StartsAndWarns()
    {
        await using var server = await TestServer.StartAsync(dataDirectory: Path.Combine(_directory, "data"), configure: options =>
        {
            options.Listen = new IPEndPoint(IPAddress.Any, 0);
            options.InsecureHttp = true;
        });

        Assert.Contains(server.Logs.Lines, line => line.Contains("Serving plain HTTP on 0.0.0.0:", StringComparison.Ordinal) && line.Contains("--insecure-http", StringComparison.Ordinal));
    }

    private static void AssertHostCookie(string cookie, string prefix)
    {
        Assert.StartsWith(prefix, cookie, StringComparison.Ordinal);
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; path=/;", cookie + ";", StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }

    private Task<TestServer> StartTlsAsync(string certPath, string keyPath) =>
        TestServer.StartAsync(dataDirectory: Path.Combine(_directory, "data"), configure: options =>
        {
            options.TlsCertificatePath = certPath;
            options.TlsKeyPath = keyPath;
        });

    /// <summary>Writes a private CA and a server certificate it issued for 127.0.0.1 and localhost, as PEM files.</summary>
    private (string Ca, string Certificate, string Key) WriteCertificates()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Tracevault Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var issued = request.Create(ca, now.AddDays(-1), now.AddDays(30), RandomNumberGenerator.GetBytes(16));

        var caPath = Path.Combine(_directory, "ca.pem");
        var certPath = Path.Combine(_directory, "server.pem");
        var keyPath = Path.Combine(_directory, "server.key");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(certPath, issued.ExportCertificatePem());
        File.WriteAllText(keyPath, serverKey.ExportPkcs8PrivateKeyPem());
        return (caPath, certPath, keyPath);
    }

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
