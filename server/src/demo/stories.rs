//! What goes wrong at a dental practice and an accounting firm: the requests the demo's
//! history is made of, each with the conversation that usually follows.

use app::tickets::Priority;

/// Which office a story happens at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Office {
    Any,
    Dental,
    Accounting,
}

/// One of the demo's screenshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shot {
    PrinterOffline,
    OutlookError,
    ImagingShare,
}

impl Shot {
    pub const ALL: [Shot; 3] = [Shot::PrinterOffline, Shot::OutlookError, Shot::ImagingShare];

    pub fn file_name(self) -> &'static str {
        match self {
            Shot::PrinterOffline => "printer-offline.png",
            Shot::OutlookError => "outlook-error.png",
            Shot::ImagingShare => "imaging-share.png",
        }
    }

    /// Screenshots of fake error dialogs, taken once in Chromium.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Shot::PrinterOffline => include_bytes!("../../demo/printer-offline.png"),
            Shot::OutlookError => include_bytes!("../../demo/outlook-error.png"),
            Shot::ImagingShare => include_bytes!("../../demo/imaging-share.png"),
        }
    }
}

/// A kind of request and how it usually goes. `{first}` is the requester's first name,
/// `{tech}` the technician's, `{place}` one of the office's places.
pub struct Story {
    pub office: Office,
    /// One of the default categories.
    pub category: &'static str,
    pub subjects: &'static [&'static str],
    pub body: &'static str,
    pub priority: Priority,
    pub first_reply: &'static str,
    /// What the technician needs to know, and the requester's answer.
    pub question: (&'static str, &'static str),
    /// The technician's aside to colleagues.
    pub note: &'static str,
    pub cause: &'static str,
    pub fix: &'static str,
    pub shot: Option<Shot>,
    /// The article that answers it.
    pub article: Option<&'static str>,
}

pub const DENTAL_PLACES: &[&str] = &["reception", "surgery 1", "surgery 2", "the back office"];
pub const ACCOUNTING_PLACES: &[&str] = &["the front desk", "the tax room", "the partners' office"];

pub const RATING_GOOD: &[&str] = &["Quick and friendly, thank you!", "Works again, thanks."];
pub const RATING_BAD: &[&str] = &[
    "Took three days and I had to chase it.",
    "It broke again the next morning.",
];

pub const STORIES: &[Story] = &[
    Story {
        office: Office::Any,
        category: "Printing",
        subjects: &[
            "Printer at {place} shows offline",
            "Cannot print from {place}",
            "Print jobs stuck in the queue",
        ],
        body: "The printer at {place} says **offline** and nothing comes out. I restarted my \
               computer already. Screenshot attached.",
        priority: Priority::Normal,
        first_reply: "Hi {first}, thanks for the screenshot. I am connecting to the print \
                      server now to look at the queue.",
        question: (
            "Could you read me the name on the sticker at the front of the printer?",
            "It says HP M404, and the display shows a yellow triangle.",
        ),
        note: "Print spooler on the server had hung again; second time this month. Worth \
               planning a driver update.",
        cause: "The print spooler on the server had stopped.",
        fix: "Hi {first}, the print spooler had stopped; I restarted it and cleared the stuck \
              jobs. Please print a test page. {tech}",
        shot: Some(Shot::PrinterOffline),
        article: Some("printer-offline"),
    },
    Story {
        office: Office::Any,
        category: "Printing",
        subjects: &["Scanner does not send to email", "Scan to folder fails"],
        body: "Scanning a document on the copier ends with \"send failed\". It worked last week.",
        priority: Priority::Low,
        first_reply: "Hi {first}, I will check the copier's mail settings remotely.",
        question: (
            "Does it fail for every address, or only for outside ones?",
            "Only when I send to myself, sending to the shared folder works.",
        ),
        note: "Copier's SMTP password expired with the mailbox password rotation.",
        cause: "The copier's mail account password had expired.",
        fix: "Hi {first}, the copier's mail password had expired; it is renewed and scans \
              arrive again. {tech}",
        shot: None,
        article: None,
    },
    Story {
        office: Office::Any,
        category: "Network & Wi-Fi",
        subjects: &[
            "Wi-Fi keeps dropping at {place}",
            "Laptop cannot join the office Wi-Fi",
            "Internet very slow this morning",
        ],
        body: "My laptop loses the Wi-Fi every few minutes at {place}. My phone seems fine.",
        priority: Priority::Normal,
        first_reply: "Hi {first}, I can see your laptop on the access point; looking at the \
                      signal logs now.",
        question: (
            "Does it happen in other rooms too?",
            "Only at my desk, in the kitchen it is fine.",
        ),
        note: "Access point at that end is on channel 1 with the neighbours; moved it to 11.",
        cause: "The nearest access point shared a crowded channel with the neighbours.",
        fix: "Hi {first}, I moved the access point near you to a quieter channel. If it drops \
              again, forget the network and join it again. {tech}",
        shot: None,
        article: Some("connect-to-office-wifi"),
    },
    Story {
        office: Office::Any,
        category: "Email",
        subjects: &[
            "Outlook asks for my password again and again",
            "Outlook cannot connect to the server",
            "Emails stuck in the outbox",
        ],
        body: "Outlook shows an error and keeps asking for my password. Webmail works.",
        priority: Priority::High,
        first_reply: "Hi {first}, thanks, I am checking your mailbox and sign-ins now.",
        question: (
            "Did you change your password recently, perhaps on your phone?",
            "Yes, on Monday, on my phone.",
        ),
        note: "Stale credential in Windows Credential Manager; cleared it over remote session.",
        cause: "Outlook kept an old saved password after a password change.",
        fix: "Hi {first}, Outlook kept your old password; I removed it and you are signed in \
              again. {tech}",
        shot: Some(Shot::OutlookError),
        article: None,
    },
    Story {
        office: Office::Any,
        category: "Account & password",
        subjects: &["Locked out of my account", "Account locked after holidays"],
        body: "I typed my password wrong too many times and now it says my account is locked.",
        priority: Priority::High,
        first_reply: "Hi {first}, I will call you back on the number we have on file to \
                      confirm it is you.",
        question: (
            "Are you at your desk phone for the call back?",
            "Yes, I am at my desk now.",
        ),
        note: "Identity confirmed by call back. Unblocked sign-in, revoked sessions, temporary \
               password issued (not pasted here).",
        cause: "Too many wrong passwords locked the account.",
        fix: "Hi {first}, your account is unlocked; you will be asked for a new password at \
              your next sign-in. {tech}",
        shot: None,
        article: Some("password-policy"),
    },
    Story {
        office: Office::Any,
        category: "Access request",
        subjects: &["New starter on Monday", "Account for our new colleague"],
        body: "We have a new colleague starting on Monday. They need an email account, a \
               laptop and access to the shared drive.",
        priority: Priority::Normal,
        first_reply: "Hi {first}, welcome to them! I will prepare the account and a laptop.",
        question: (
            "Which team should they be in, and do they need the accounting/imaging software?",
            "Same as me please, with the main software.",
        ),
        note: "Laptop imaged from the standard build, licence assigned, MFA enrolment pending \
               first sign-in.",
        cause: "A new colleague joins.",
        fix: "Hi {first}, the account and laptop are ready; the sign-in letter is in a sealed \
              envelope at the front desk. {tech}",
        shot: None,
        article: None,
    },
    Story {
        office: Office::Any,
        category: "Access request",
        subjects: &["VPN does not connect from home", "VPN error 809"],
        body: "Working from home today and the VPN fails with an error. I need the shared \
               drive.",
        priority: Priority::High,
        first_reply: "Hi {first}, let's get you in. I am checking the VPN gateway.",
        question: (
            "Are you on your home Wi-Fi or on your phone's hotspot?",
            "Home Wi-Fi, a new router from my provider.",
        ),
        note: "New home router blocks the IPsec ports; switched the profile to SSL VPN.",
        cause: "A new home router blocked the VPN's ports.",
        fix: "Hi {first}, I switched your VPN to a profile that works through your new \
              router; connect again and it should go through. {tech}",
        shot: None,
        article: None,
    },
    Story {
        office: Office::Any,
        category: "Hardware",
        subjects: &[
            "Second monitor stays black",
            "Keyboard missing keys at {place}",
            "Laptop very slow to start",
        ],
        body: "Since this morning my second screen stays black. The cable looks fine.",
        priority: Priority::Low,
        first_reply: "Hi {first}, I will look at the display settings remotely first.",
        question: (
            "Is the small light on the monitor orange or white?",
            "Orange, blinking.",
        ),
        note: "Docking station firmware update reset the display output; reapplied.",
        cause: "A docking station update reset its display output.",
        fix: "Hi {first}, the dock's update had switched its outputs; both screens work \
              again. {tech}",
        shot: None,
        article: None,
    },
    Story {
        office: Office::Any,
        category: "Software",
        subjects: &["Teams has no sound in calls", "Teams camera not found"],
        body: "In Teams calls nobody can hear me, although my headset works elsewhere.",
        priority: Priority::Normal,
        first_reply: "Hi {first}, thanks, I will check your audio devices remotely.",
        question: (
            "Which headset do you use, the USB one or the Bluetooth one?",
            "The USB one.",
        ),
        note: "Teams had the laptop speakers as default device; reset device settings.",
        cause: "Teams used the wrong audio device.",
        fix: "Hi {first}, Teams was set to the laptop speakers; it now uses your headset. \
              {tech}",
        shot: None,
        article: None,
    },
    Story {
        office: Office::Any,
        category: "Other",
        subjects: &["Suspicious email about an invoice", "Phishing email?"],
        body: "I received an email with an invoice I do not recognise, asking me to sign in. \
               I did not click anything.",
        priority: Priority::Urgent,
        first_reply: "Hi {first}, well spotted. Do not open it; I am checking the message \
                      now.",
        question: (
            "Did anyone else receive it, as far as you know?",
            "My colleague got the same one.",
        ),
        note: "Phishing confirmed, sender blocked tenant-wide, message purged from all \
               mailboxes.",
        cause: "A phishing campaign reached several mailboxes.",
        fix: "Hi {first}, it was phishing; I removed it from every mailbox and blocked the \
              sender. Thanks for telling us. {tech}",
        shot: None,
        article: None,
    },
    Story {
        office: Office::Dental,
        category: "Software",
        subjects: &[
            "X-ray images do not open at {place}",
            "Imaging share shows a red cross",
        ],
        body: "The X-ray pictures do not open at {place}; drive X: shows a red cross. Patients \
               are waiting.",
        priority: Priority::Urgent,
        first_reply: "Hi {first}, on it now; checking the practice server.",
        question: (
            "Can you open the pictures on the reception computer?",
            "Yes, reception works, only this room fails.",
        ),
        note: "Mapped drive credentials expired on that workstation; remapped with the service \
               account.",
        cause: "The workstation's saved sign-in for the imaging share had expired.",
        fix: "Hi {first}, drive X: is mapped again and the images open. {tech}",
        shot: Some(Shot::ImagingShare),
        article: Some("acme-xray-imaging-share"),
    },
    Story {
        office: Office::Dental,
        category: "Hardware",
        subjects: &[
            "Card terminal at reception offline",
            "Sensor not recognised in {place}",
        ],
        body: "The card terminal at reception says no connection, patients cannot pay.",
        priority: Priority::High,
        first_reply: "Hi {first}, I am looking at the network port of the terminal.",
        question: (
            "Is the cable at the back of the terminal plugged in firmly?",
            "I pushed it in again, the light is green now.",
        ),
        note: "Switch port flapping; cable replaced by the requester, watching the port.",
        cause: "A loose network cable.",
        fix: "Hi {first}, the terminal is online again; the port has been stable since. \
              {tech}",
        shot: None,
        article: None,
    },
    Story {
        office: Office::Dental,
        category: "Software",
        subjects: &[
            "Appointment software very slow",
            "Patient records will not save",
        ],
        body: "The appointment book takes a minute to open each day and sometimes freezes.",
        priority: Priority::Normal,
        first_reply: "Hi {first}, I will check the practice server's load.",
        question: (
            "Is it slow for everyone, or only at your computer?",
            "Everyone complains in the mornings.",
        ),
        note: "Nightly database maintenance was running into opening hours; moved it to 2 am.",
        cause: "Maintenance of the practice database ran into opening hours.",
        fix: "Hi {first}, the server's maintenance now runs at night; mornings should be quick \
              again. {tech}",
        shot: None,
        article: None,
    },
    Story {
        office: Office::Dental,
        category: "Email",
        subjects: &[
            "Appointment reminders not sent",
            "Patients say reminders stopped",
        ],
        body: "Patients tell us they no longer get their appointment reminders by text and \
               email.",
        priority: Priority::High,
        first_reply: "Hi {first}, checking the reminder service and its mail account.",
        question: (
            "Since when roughly have patients mentioned it?",
            "Since last Thursday, I think.",
        ),
        note: "Reminder service's API token expired Thursday; renewed and resent today's.",
        cause: "The reminder service's access had expired.",
        fix: "Hi {first}, reminders go out again; today's were sent. {tech}",
        shot: None,
        article: None,
    },
    Story {
        office: Office::Accounting,
        category: "Software",
        subjects: &[
            "Month-end backup report missing",
            "Backup failed last night",
        ],
        body: "The backup report did not arrive this morning after month-end closing.",
        priority: Priority::High,
        first_reply: "Hi {first}, I am checking last night's backup job.",
        question: (
            "Was the accounting program closed on every computer last night?",
            "I think Bo left his open.",
        ),
        note: "Backup skipped the open company file; reran it at 7 am with the file closed.",
        cause: "The accounting program was left open, so its files could not be copied.",
        fix: "Hi {first}, the backup ran again this morning and is complete; the report is in \
              your inbox. {tech}",
        shot: None,
        article: Some("birch-month-end-backup"),
    },
    Story {
        office: Office::Accounting,
        category: "Software",
        subjects: &[
            "Tax software update fails",
            "Accounting program will not start",
        ],
        body: "The tax software asks for an update and then fails with an error at 80%.",
        priority: Priority::Urgent,
        first_reply: "Hi {first}, deadlines are close, I am on it.",
        question: (
            "Can you tell me the version it shows on the start screen?",
            "It says 2026.3.",
        ),
        note: "Update needs admin rights and the old version's service stopped; installed \
               2026.4 on all four seats.",
        cause: "The update needed administrator rights.",
        fix: "Hi {first}, the new version is installed on every computer. {tech}",
        shot: None,
        article: None,
    },
    Story {
        office: Office::Accounting,
        category: "Access request",
        subjects: &[
            "Access to the client folders for {place}",
            "Shared drive permission for the audit",
        ],
        body: "Could I get access to the client folders on the shared drive for the audit \
               season?",
        priority: Priority::Low,
        first_reply: "Hi {first}, I will ask Ben to approve and then set it up.",
        question: (
            "Read only, or do you need to change files too?",
            "Read only is enough.",
        ),
        note: "Approved by the manager by mail; added to the read-only audit group.",
        cause: "A new permission was requested.",
        fix: "Hi {first}, you have read access to the client folders now; sign out and in \
              again to see them. {tech}",
        shot: None,
        article: None,
    },
    Story {
        office: Office::Accounting,
        category: "Hardware",
        subjects: &["Receipt scanner jams", "Label printer prints blank labels"],
        body: "The receipt scanner at {place} jams on every second page.",
        priority: Priority::Low,
        first_reply: "Hi {first}, sounds like the rollers; I will check what we have in stock.",
        question: (
            "Does it jam with thin paper only, or with every receipt?",
            "Mostly the long thin till receipts.",
        ),
        note: "Roller kit ordered; cleaning the rollers helped meanwhile.",
        cause: "Worn rollers in the scanner.",
        fix: "Hi {first}, the new rollers are in and it feeds cleanly. {tech}",
        shot: None,
        article: None,
    },
];
