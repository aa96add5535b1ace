use super::*;

#[test]
fn check_digits_follow_icao() {
    assert_eq!(check_digit(b"L898902C3"), 6);
    assert_eq!(check_digit(b"740812"), 2);
    assert_eq!(check_digit(b"120415"), 9);
    assert_eq!(check_digit(b"ZE184226B<<<<<"), 1);
    assert_eq!(check_digit(b"<<<<<"), 0);
    assert_eq!(check_digit(b"D23145890"), 7);
}

#[test]
fn specimens_parse() {
    let d = parse(&SPECIMEN_TD3).unwrap();
    assert_eq!(d.format, MrzFormat::Td3);
    assert_eq!(d.document_number, "L898902C3");
    assert_eq!(
        (d.primary_name.as_str(), d.secondary_name.as_str()),
        ("ERIKSSON", "ANNA MARIA")
    );
    assert_eq!(
        d.birth_date,
        MrzDate {
            yy: 74,
            mm: 8,
            dd: 12
        }
    );
    assert_eq!((d.sex, d.nationality.as_str()), ('F', "UTO"));
    assert_eq!(d.optional_data, "ZE184226B");
    let d = parse(&SPECIMEN_TD1).unwrap();
    assert_eq!(d.format, MrzFormat::Td1);
    assert_eq!(d.document_number, "D23145890");
    assert_eq!(
        d.expiry_date,
        MrzDate {
            yy: 12,
            mm: 4,
            dd: 15
        }
    );
    assert_eq!(d.document_code, "I");
    assert!(!format!("{d:?}").contains("ERIKSSON"), "Debug hides data");
}

#[test]
fn every_check_digit_is_verified() {
    let td3 = |l2: &str| parse(&[SPECIMEN_TD3[0], l2]);
    let base = SPECIMEN_TD3[1];
    let with = |i: usize, c: char| {
        let mut s = base.to_string();
        s.replace_range(i..=i, &c.to_string());
        s
    };
    assert_eq!(
        td3(&with(9, '5')),
        Err(MrzError::CheckDigit(Field::DocumentNumber))
    );
    assert_eq!(
        td3(&with(19, '3')),
        Err(MrzError::CheckDigit(Field::BirthDate))
    );
    assert_eq!(
        td3(&with(27, '8')),
        Err(MrzError::CheckDigit(Field::ExpiryDate))
    );
    assert_eq!(
        td3(&with(42, '2')),
        Err(MrzError::CheckDigit(Field::PersonalNumber))
    );
    assert_eq!(
        td3(&with(43, '1')),
        Err(MrzError::CheckDigit(Field::Composite))
    );
    assert_eq!(
        td3(&with(9, '<')),
        Err(MrzError::CheckNotDigit(Field::DocumentNumber))
    );
    // A data change caught only by its own check digit.
    assert_eq!(
        td3(&with(14, '5')),
        Err(MrzError::CheckDigit(Field::BirthDate))
    );
    // TD1: document number, dates, composite.
    let td1 = |l1: &str, l2: &str| parse(&[l1, l2, SPECIMEN_TD1[2]]);
    let (l1, l2) = (SPECIMEN_TD1[0], SPECIMEN_TD1[1]);
    assert_eq!(
        td1(&l1.replace("D23145890", "D23145891"), l2),
        Err(MrzError::CheckDigit(Field::DocumentNumber))
    );
    assert_eq!(
        td1(l1, &l2.replace("7408122", "7408123")),
        Err(MrzError::CheckDigit(Field::BirthDate))
    );
    assert_eq!(
        td1(l1, &l2.replace("1204159", "1204158")),
        Err(MrzError::CheckDigit(Field::ExpiryDate))
    );
    assert_eq!(
        td1(l1, &l2.replace("<<6", "<<5")),
        Err(MrzError::CheckDigit(Field::Composite))
    );
    // Optional data 2 is covered only by the composite (A = 10 would not change it).
    assert_eq!(
        td1(l1, &l2.replace("UTO<<<<", "UTOB<<<")),
        Err(MrzError::CheckDigit(Field::Composite))
    );
}

#[test]
fn shape_characters_dates_and_sex_are_checked() {
    let e = parse(&[SPECIMEN_TD3[0]]).unwrap_err();
    assert_eq!(e, MrzError::Shape { lengths: vec![44] });
    assert!(e.to_string().contains("TD3 (2×44)"), "{e}");
    assert!(parse(&[&SPECIMEN_TD3[0][..43], SPECIMEN_TD3[1]]).is_err());
    let lower = SPECIMEN_TD3[0].replace("ERIKSSON", "Eriksson");
    assert_eq!(
        parse(&[lower.as_str(), SPECIMEN_TD3[1]]),
        Err(MrzError::BadCharacter { line: 1, column: 7 })
    );
    // A month 13 with matching check digits.
    let mut l2 = SPECIMEN_TD3[1].to_string();
    l2.replace_range(13..19, "741312");
    let cd = check_digit(b"741312");
    l2.replace_range(19..20, &cd.to_string());
    let comp = [
        &l2.as_bytes()[0..10],
        &l2.as_bytes()[13..20],
        &l2.as_bytes()[21..43],
    ]
    .concat();
    l2.replace_range(43..44, &check_digit(&comp).to_string());
    assert_eq!(
        parse(&[SPECIMEN_TD3[0], l2.as_str()]),
        Err(MrzError::BadDate(Field::BirthDate))
    );
    // Messages never carry the data.
    let msg = parse(&[lower.as_str(), SPECIMEN_TD3[1]])
        .unwrap_err()
        .to_string();
    assert!(!msg.contains("riksson"));
}

#[test]
fn td1_long_document_number() {
    // Number "D23145890123" (12 chars): 9 in place, '<', then "123" + check digit.
    let number = b"D23145890123";
    let cd = check_digit(number);
    let mut l1 = format!("I<UTOD23145890<123{cd}");
    l1.push_str(&"<".repeat(30 - l1.len()));
    let l2_body = "7408122F1204159UTO<<<<<<<<<<<";
    let comp = [
        &l1.as_bytes()[5..30],
        &l2_body.as_bytes()[0..7],
        &l2_body.as_bytes()[8..15],
        &l2_body.as_bytes()[18..29],
    ]
    .concat();
    let l2 = format!("{l2_body}{}", check_digit(&comp));
    let d = parse(&[l1.as_str(), l2.as_str(), SPECIMEN_TD1[2]]).unwrap();
    assert_eq!(d.document_number, "D23145890123");
    let bad = l1.replace(&format!("123{cd}"), &format!("123{}", (cd + 1) % 10));
    assert!(parse(&[bad.as_str(), l2.as_str(), SPECIMEN_TD1[2]]).is_err());
}

#[test]
fn frames_resynchronise() {
    let f = encode_frame(&SPECIMEN_TD3);
    let mut dec = FrameDecoder::new();
    // Split byte by byte.
    let mut got = Vec::new();
    for b in &f {
        got.extend(dec.push(&[*b]));
    }
    assert_eq!(got, vec![Ok(SPECIMEN_TD3.map(String::from).to_vec())]);
    // Garbage, two frames merged, a truncated frame restarted by a new STX.
    let stream = [&b"\xff\x00junk"[..], &f, &f[..20], &f].concat();
    let got = dec.push(&stream);
    assert_eq!(got.len(), 3);
    assert!(got[0].is_ok() && got[2].is_ok());
    assert_eq!(got[1], Err(FrameError::Restarted));
    // Bad LRC, then a good frame.
    let mut bad = f.clone();
    *bad.last_mut().unwrap() ^= 1;
    let got = dec.push(&[bad, f.clone()].concat());
    assert!(matches!(got[0], Err(FrameError::BadLrc { .. })));
    assert!(got[1].is_ok());
    // Too long: never buffers more than MAX_FRAME.
    let got = dec.push(&[&[STX][..], &[b'A'; 300], &f].concat());
    assert_eq!(got[0], Err(FrameError::TooLong));
    assert!(got.last().unwrap().is_ok());
    assert!(dec.body.len() <= MAX_FRAME + 1);
    // A gap drops a partial frame.
    assert!(dec.push(&f[..30]).is_empty());
    assert!(dec.reset());
    assert!(
        dec.push(&f[30..]).is_empty(),
        "the tail alone is not a frame"
    );
    assert!(!dec.reset());
}
