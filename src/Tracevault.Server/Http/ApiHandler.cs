namespace Tracevault.Server.Http;

/// <summary>Serves one API operation; throws <see cref="ApiException"/> for errors the client should see.</summary>
public delegate Task ApiHandler(ApiRequest request);
