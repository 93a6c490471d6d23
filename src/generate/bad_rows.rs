//! A file of bad event rows, one defect each, about a real generated
//! contact: the errors a CRM export really contains, for trying
//! `detente validate` and `--rejects` on.

/// CSV bytes (one row is deliberately not UTF-8). `contact` is an existing
/// contact id.
pub fn bad_events(contact: &str) -> Vec<u8> {
    let c = contact;
    let rows: Vec<Vec<u8>> = vec![
        b"id,contact,at,type,url,form,outcome,verdict,amount,into".to_vec(),
        // A month that does not exist.
        format!("e-bad-01,{c},2026-13-45 10:00,page_view,/pricing,,,,,").into_bytes(),
        // A year no calendar handles.
        format!("e-bad-02,{c},99999-01-01T00:00:00Z,page_view,/pricing,,,,,").into_bytes(),
        // Money that is not a number.
        format!("e-bad-03,{c},2026-05-04T10:00:00Z,opportunity_created,,,,,lots,").into_bytes(),
        // A value outside the field's list.
        format!("e-bad-04,{c},2026-05-04T10:05:00Z,sales_call,,,maybe,,,").into_bytes(),
        // No contact.
        b"e-bad-05,,2026-05-04T10:10:00Z,page_view,/docs,,,,,".to_vec(),
        // A required event field left empty.
        format!("e-bad-06,{c},2026-05-04T10:15:00Z,page_view,,,,,,").into_bytes(),
        // An event type the policy does not know (set aside, a warning).
        format!("e-bad-07,{c},2026-05-04T10:20:00Z,tweet,,,,,,").into_bytes(),
        // One column too many.
        format!("e-bad-08,{c},2026-05-04T10:25:00Z,page_view,/pricing,,,,,,extra").into_bytes(),
        // Latin-1 bytes in a UTF-8 file.
        [
            format!("e-bad-09,{c},2026-05-04T10:30:00Z,page_view,/caf").into_bytes(),
            vec![0xE9],
            b",,,,,".to_vec(),
        ]
        .concat(),
        // A merge into a contact nobody has heard of (reported by the replay).
        format!("e-bad-10,{c},2026-05-04T10:35:00Z,merge,,,,,,c-nobody").into_bytes(),
        // Long before the contact was created (kept, with a warning).
        format!("e-bad-11,{c},2015-01-01T09:00:00Z,page_view,/,,,,,").into_bytes(),
        // The same row exported twice (a duplicate, not an error).
        format!("e-bad-11,{c},2015-01-01T09:00:00Z,page_view,/,,,,,").into_bytes(),
        // A contact known only from its events (kept, with a note).
        b"e-bad-12,c-only-in-events,2026-05-04T10:40:00Z,page_view,/,,,,,".to_vec(),
    ];
    let mut out = Vec::new();
    for r in rows {
        out.extend_from_slice(&r);
        out.push(b'\n');
    }
    out
}
