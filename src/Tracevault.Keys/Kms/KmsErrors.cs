namespace Tracevault.Keys.Kms;

/// <summary>Every KMS error, worded as AWS KMS words it, built in this one place.</summary>
public static class KmsErrors
{
    /// <summary>The message of a Decrypt of a blob whose key is unknown.</summary>
    public const string UnknownCiphertextKey = "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.";

    /// <summary>NotFoundException for a malformed key identifier.</summary>
    public static KmsException InvalidKeyId(string keyId) => new("NotFoundException", $"Invalid keyId '{keyId}'");

    /// <summary>NotFoundException for a key ARN of another region.</summary>
    public static KmsException InvalidArnRegion(string region) => new("NotFoundException", $"Invalid arn {region}");

    /// <summary>NotFoundException for a well-formed key that does not exist.</summary>
    public static KmsException KeyDoesNotExist(string keyArn) => new("NotFoundException", $"Key '{keyArn}' does not exist");

    /// <summary>NotFoundException for an unknown alias.</summary>
    public static KmsException AliasNotFound(string aliasArn) => new("NotFoundException", $"Alias {aliasArn} is not found.");

    /// <summary>DisabledException.</summary>
    public static KmsException Disabled(string keyArn) => new("DisabledException", $"{keyArn} is disabled.");

    /// <summary>KMSInvalidStateException for a key pending deletion.</summary>
    public static KmsException PendingDeletion(string keyArn) => new("KMSInvalidStateException", $"{keyArn} is pending deletion.");

    /// <summary>KMSInvalidStateException for a key of origin EXTERNAL whose material is not imported.</summary>
    public static KmsException PendingImport(string keyArn) => new("KMSInvalidStateException", $"{keyArn} is pending import.");

    /// <summary>ExpiredImportTokenException: the import token's 24 hours have passed.</summary>
    public static KmsException ExpiredImportToken() => new("ExpiredImportTokenException", "The import token is expired. Call GetParametersForImport for a new public key and import token.");

    /// <summary>InvalidImportTokenException: the token is not one GetParametersForImport gave for this key.</summary>
    public static KmsException InvalidImportToken() => new("InvalidImportTokenException", "The import token is invalid or is not associated with the specified KMS key.");

    /// <summary>IncorrectKeyMaterialException: the material is not valid for the key, or not the material imported before.</summary>
    public static KmsException IncorrectKeyMaterial(string message) => new("IncorrectKeyMaterialException", message);

    /// <summary>KMSInvalidStateException for CancelKeyDeletion of a key not pending deletion.</summary>
    public static KmsException NotPendingDeletion(string keyArn) => new("KMSInvalidStateException", $"{keyArn} is not pending deletion.");

    /// <summary>InvalidCiphertextException, with the empty message real KMS gives.</summary>
    public static KmsException InvalidCiphertext() => new("InvalidCiphertextException", "");

    /// <summary>IncorrectKeyException.</summary>
    public static KmsException IncorrectKey() => new("IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.");

    /// <summary>AccessDeniedException for a blob of an unknown key.</summary>
    public static KmsException UnknownKeyInCiphertext() => new("AccessDeniedException", UnknownCiphertextKey);

    /// <summary>InvalidKeyUsageException.</summary>
    public static KmsException InvalidKeyUsage(string keyArn, string usage, string operation) => new("InvalidKeyUsageException", $"{keyArn} key usage is {usage} which is not valid for {operation}.");

    /// <summary>UnsupportedOperationException.</summary>
    public static KmsException Unsupported(string message) => new("UnsupportedOperationException", message);

    /// <summary>AccessDeniedException when no policy or grant allows the action.</summary>
    public static KmsException NotAuthorized(string principalArn, string action, string resource) =>
        new("AccessDeniedException", $"User: {principalArn} is not authorized to perform: {action} on resource: {resource} because no resource-based policy allows the {action} action");

    /// <summary>AccessDeniedException when an identity policy allows nothing (for operations without a key).</summary>
    public static KmsException NotAuthorizedByIdentity(string principalArn, string action, string resource) =>
        new("AccessDeniedException", $"User: {principalArn} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action");

    /// <summary>AccessDeniedException when a Deny statement matched.</summary>
    public static KmsException ExplicitDeny(string principalArn, string action, string resource, string policyKind) =>
        new("AccessDeniedException", $"User: {principalArn} is not authorized to perform: {action} on resource: {resource} with an explicit deny in a {policyKind} policy");

    /// <summary>ValidationException in the <c>1 validation error detected</c> form.</summary>
    public static KmsException Validation(string member, string value, string constraint) =>
        new("ValidationException", $"1 validation error detected: Value {value} at '{member}' failed to satisfy constraint: {constraint}");

    /// <summary>ValidationException with a free message.</summary>
    public static KmsException Validation(string message) => new("ValidationException", message);

    /// <summary>NotFoundException for a grant.</summary>
    public static KmsException GrantNotFound(string grantId) => new("NotFoundException", $"Grant ID {grantId} not found");

    /// <summary>InvalidArnException for a principal ARN that is not one.</summary>
    public static KmsException InvalidArn(string arn) => new("InvalidArnException", $"Invalid arn {arn}");

    /// <summary>InvalidGrantIdException for a grant id that no grant could have.</summary>
    public static KmsException InvalidGrantId(string grantId) => new("InvalidGrantIdException", $"Invalid grant ID {grantId}");

    /// <summary>InvalidGrantTokenException.</summary>
    public static KmsException InvalidGrantToken() => new("InvalidGrantTokenException", "Grant token provided is invalid");

    /// <summary>InvalidMarkerException.</summary>
    public static KmsException InvalidMarker() => new("InvalidMarkerException", "The marker that specifies where pagination should next begin is not valid.");

    /// <summary>AlreadyExistsException for an alias.</summary>
    public static KmsException AliasExists(string aliasArn) => new("AlreadyExistsException", $"An alias with the name {aliasArn} already exists");

    /// <summary>NotAuthorizedException for a reserved alias name.</summary>
    public static KmsException ReservedAlias() => new("NotAuthorizedException", "Alias names beginning with alias/aws/ are reserved for AWS managed keys.");

    /// <summary>InvalidAliasNameException.</summary>
    public static KmsException InvalidAliasName(string message) => new("InvalidAliasNameException", message);

    /// <summary>LimitExceededException for on-demand rotations.</summary>
    public static KmsException RotationLimit(string keyArn) =>
        new("LimitExceededException", $"The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {keyArn}");

    /// <summary>MalformedPolicyDocumentException.</summary>
    public static KmsException MalformedPolicy(string message) => new("MalformedPolicyDocumentException", message);

    /// <summary>TagException.</summary>
    public static KmsException Tag(string message) => new("TagException", message);

    /// <summary>AccessDeniedException for managing an AWS managed key.</summary>
    public static KmsException AwsManaged(string principalArn, string action, string keyArn) => NotAuthorized(principalArn, action, keyArn);

    /// <summary>DryRunOperationException: the call would have succeeded.</summary>
    public static KmsException DryRun() => new("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.");

    /// <summary>KMSInvalidSignatureException, with the empty message real KMS gives.</summary>
    public static KmsException InvalidSignature() => new("KMSInvalidSignatureException", "");

    /// <summary>KMSInvalidMacException, with the empty message real KMS gives.</summary>
    public static KmsException InvalidMac() => new("KMSInvalidMacException", "");

    /// <summary>InvalidKeyUsageException for a signing or MAC algorithm the key does not offer.</summary>
    public static KmsException AlgorithmIncompatible(string algorithm, string keySpec) => new("InvalidKeyUsageException", $"Algorithm {algorithm} is incompatible with key spec {keySpec}.");

    /// <summary>ValidationException for a DIGEST message whose length is not the algorithm's digest length.</summary>
    public static KmsException DigestLength(string algorithm) => new("ValidationException", $"Digest is invalid length for algorithm {algorithm}.");

    /// <summary>InvalidKeyUsageException for a key whose spec the operation cannot use (an asymmetric key where a symmetric one is needed).</summary>
    public static KmsException InvalidKeySpecFor(string keyArn, string spec, string operation) => new("InvalidKeyUsageException", $"{keyArn} key spec is {spec} which is not valid for {operation}.");
}
