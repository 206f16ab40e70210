// Solves the donate form's proof of work (challenge/challenge.go) off the
// page's main thread: PBKDF2-SHA256 of each number in turn, in WebCrypto,
// until one gives the challenge. It reports progress now and then.
self.onmessage = async function (e) {
  var c = e.data, enc = new TextEncoder(), salt = enc.encode(c.salt);
  var want = new Uint8Array(c.challenge.length / 2);
  for (var i = 0; i < want.length; i++) want[i] = parseInt(c.challenge.substr(i * 2, 2), 16);
  for (var n = 0; n <= c.maxnumber; n++) {
    var key = await crypto.subtle.importKey("raw", enc.encode(String(n)), "PBKDF2", false, ["deriveBits"]);
    var got = new Uint8Array(await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: salt, iterations: c.cost }, key, 256));
    var same = got.length === want.length;
    for (var j = 0; same && j < got.length; j++) same = got[j] === want[j];
    if (same) { self.postMessage({ number: n }); return; }
    if (n % 1024 === 1023) self.postMessage({ progress: n / c.maxnumber });
  }
  self.postMessage({ error: "no number fits this challenge" });
};
