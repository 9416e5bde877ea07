// Throw-away X.509 material for the https tests, made in memory: a CA (whose PEM goes into a
// tls-ca-path file) and server certificates it signs for the names a test chooses, which a test
// hands to its own TLS server or, as PEM files, to nginx. (The interop tests compile this file too.)
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Arbor.Ostree.Tests.Pull;

/// <summary>A test certificate authority.</summary>
public sealed class TestCa : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>Creates a self-signed CA named <paramref name="name"/>.</summary>
    public TestCa(string name)
    {
        var request = new CertificateRequest("CN=" + name, _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>The CA's certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Writes the CA certificate as PEM to <paramref name="path"/> and returns the path.</summary>
    public string WritePem(string path)
    {
        File.WriteAllText(path, Certificate.ExportCertificatePem() + "\n");
        return path;
    }

    /// <summary>A server certificate (with its private key) for the IP addresses and DNS names given.</summary>
    public X509Certificate2 Issue(IEnumerable<IPAddress> addresses, params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + (dnsNames.FirstOrDefault() ?? "server"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        foreach (var a in addresses)
            san.AddIpAddress(a);
        foreach (var d in dnsNames)
            san.AddDnsName(d);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var cert = request.Create(Certificate, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), serial);
        return cert.CopyWithPrivateKey(key);
    }

    /// <summary>Writes <paramref name="server"/> and its private key as PEM files (for nginx).</summary>
    public static void WritePem(X509Certificate2 server, string certPath, string keyPath)
    {
        ArgumentNullException.ThrowIfNull(server);
        File.WriteAllText(certPath, server.ExportCertificatePem() + "\n");
        using var key = server.GetECDsaPrivateKey() ?? throw new ArgumentException("the certificate has no EC private key", nameof(server));
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }
}
