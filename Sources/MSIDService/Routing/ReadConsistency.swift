/// What a read may show (`?consistency=`).
///
/// `applied` (the default): every mutation applied to the state, including one whose journal
/// record is still being synced and whose client has no answer yet; a crash can take such a
/// mutation back (never an acknowledged one). `durable`: the answer is held until every record
/// applied before it was made is on disk, so it shows only what survives a crash; it costs
/// at most one group-commit sync when writes are in flight, nothing otherwise.
///
/// Every answer of a persistent service says where it stands either way: `MSID-Applied-Sequence`
/// (the last journal record applied when the answer was made) and `MSID-Durable-Sequence` (the
/// last one on disk when it left); an answer is durable when the second is at least the first.
enum ReadConsistency: String, Sendable {
    case applied
    case durable
}
